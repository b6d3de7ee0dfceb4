import NetworkModel
import Wire

/// Where a node's randomized election timeouts come from.
///
/// Nodes must draw independent streams, or two survivors can time out on the same tick
/// round after round and split their votes for ever. `SeededRandom` advances its state by
/// a fixed constant per draw, so seeds that differ by a small multiple of that constant are
/// the same stream shifted by a few draws; the id is therefore mixed in through SplitMix64's
/// finaliser, never added or multiplied in.
enum ElectionRandomness {
    /// Node `id`'s generator: from the operating system's random source when `seed` is nil
    /// (a real node), else a replayable stream of its own for `seed` (a simulation).
    static func generator(seed: UInt64?, id: NodeID) -> SeededRandom {
        guard let seed else {
            var system = SystemRandomNumberGenerator()
            return SeededRandom(seed: system.next())
        }
        return SeededRandom(seed: finalize(seed ^ finalize(UInt64(id) &+ 0x9E37_79B9_7F4A_7C15)))
    }

    /// SplitMix64's output function: a bijection on 64 bits in which every input bit
    /// changes about half the output bits.
    static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
