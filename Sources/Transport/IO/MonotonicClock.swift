#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Microseconds on a clock that never jumps (CLOCK_MONOTONIC).
public enum MonotonicClock {
    public static func nowMicros() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }
}

/// Microseconds since 1970 (CLOCK_REALTIME): handshake timestamps, which must keep
/// increasing across restarts, where the monotonic clock starts again.
public enum WallClock {
    public static func nowMicros() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(max(ts.tv_sec, 0)) * 1_000_000 + UInt64(max(ts.tv_nsec, 0)) / 1000
    }
}
