import ClientAPI
import Foundation

/// JSON bytes to a `DeployBody`, with the field at fault named when they are not one.
public enum DeployBodyDecoding {
    /// `DeployBody`'s keys. A key outside them is refused rather than ignored: a typo
    /// (`"memroy"`) would otherwise deploy without the limit the client meant to set.
    public static let knownKeys: Set<String> = ["name", "image", "command", "env", "ports", "cpu", "memory", "requestId"]

    public static func decode(_ bytes: Data) -> Result<DeployBody, GatewayError> {
        guard let object = try? JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed]) else {
            return .failure(.invalid(field: "body", message: "is not valid JSON"))
        }
        guard let fields = object as? [String: Any] else {
            return .failure(.invalid(field: "body", message: "must be a JSON object"))
        }
        if let unknown = fields.keys.sorted().first(where: { !knownKeys.contains($0) }) {
            return .failure(.invalid(field: unknown, message: "is not a field of a deploy request (known: \(knownKeys.sorted().joined(separator: ", ")))"))
        }
        do {
            return .success(try JSONDecoder().decode(DeployBody.self, from: bytes))
        } catch let error as DecodingError {
            return .failure(invalid(error))
        } catch {
            return .failure(.invalid(field: "body", message: "cannot be read: \(error)"))
        }
    }

    /// The coding path as a client writes it: `ports[1]`, `name`.
    static func fieldName(_ path: [any CodingKey]) -> String {
        var name = ""
        for key in path {
            if let index = key.intValue {
                name += "[\(index)]"
            } else {
                name += name.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return name.isEmpty ? "body" : name
    }

    static func invalid(_ error: DecodingError) -> GatewayError {
        switch error {
        case .keyNotFound(let key, let context):
            return .invalid(field: fieldName(context.codingPath + [key]), message: "is required")
        case .valueNotFound(let type, let context):
            return .invalid(field: fieldName(context.codingPath), message: "must be a \(jsonType(type)), not null")
        case .typeMismatch(let type, let context):
            return .invalid(field: fieldName(context.codingPath), message: "must be a \(jsonType(type))")
        case .dataCorrupted(let context):
            return .invalid(field: fieldName(context.codingPath), message: "is malformed: \(context.debugDescription)")
        @unknown default:
            return .invalid(field: "body", message: "cannot be read")
        }
    }

    private static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "string"
        case is Double.Type, is Float.Type, is Int.Type: return "number"
        case is [String].Type, is [Any].Type: return "array of strings"
        case is Bool.Type: return "boolean"
        default: return "\(type)"
        }
    }
}
