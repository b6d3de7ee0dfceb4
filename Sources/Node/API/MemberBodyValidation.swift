import ClientAPI
import Foundation
import Transport
import Wire

/// `POST /v1/members` bodies and `/v1/members/{id}` ids to membership changes, with the
/// field at fault named (400) when they are wrong.
public enum MemberBodyValidation {
    public static let knownKeys: Set<String> = ["id", "address", "publicKey", "voter"]

    public static func decode(_ bytes: Data) -> Result<MemberChange, GatewayError> {
        guard let object = try? JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed]) else {
            return .failure(.invalid(field: "body", message: "is not valid JSON"))
        }
        guard let fields = object as? [String: Any] else {
            return .failure(.invalid(field: "body", message: "must be a JSON object"))
        }
        if let unknown = fields.keys.sorted().first(where: { !knownKeys.contains($0) }) {
            return .failure(.invalid(field: unknown, message: "is not a field of a member (known: \(knownKeys.sorted().joined(separator: ", ")))"))
        }
        let body: MemberBody
        do {
            body = try JSONDecoder().decode(MemberBody.self, from: bytes)
        } catch let error as DecodingError {
            return .failure(DeployBodyDecoding.invalid(error))
        } catch {
            return .failure(.invalid(field: "body", message: "cannot be read: \(error)"))
        }
        return validate(body)
    }

    public static func validate(_ body: MemberBody) -> Result<MemberChange, GatewayError> {
        guard let rawID = body.id else { return .failure(.invalid(field: "id", message: "is required")) }
        guard let id = nodeID(rawID) else { return .failure(.invalid(field: "id", message: "must be a node id 1–65535")) }
        guard let address = body.address else { return .failure(.invalid(field: "address", message: "is required (HOST:PORT of its UDP transport)")) }
        var key: NodePublicKey?
        if let hex = body.publicKey {
            guard let parsed = NodePublicKey(hex: hex) else {
                return .failure(.invalid(field: "publicKey", message: "must be 64 hex digits of an X25519 public key (what `edgeraft keygen` printed)"))
            }
            key = parsed
        }
        do {
            let entry = try RosterEntry(address: address, publicKey: key)
            return .success(.add(entry.record(for: id), voter: body.voter ?? false))
        } catch {
            return .failure(.invalid(field: "address", message: error.description))
        }
    }

    /// A path's `{id}`: a node id 1–65535 in decimal.
    public static func nodeID(path text: String) throws(GatewayError) -> NodeID {
        guard text.count <= 5, text.allSatisfy(\.isASCII), let value = Int(text), let id = nodeID(value) else {
            throw .invalid(field: "id", message: "must be a node id 1–65535")
        }
        return id
    }

    static func nodeID(_ value: Int) -> NodeID? {
        (1...Int(NodeID.max)).contains(value) ? NodeID(value) : nil
    }
}
