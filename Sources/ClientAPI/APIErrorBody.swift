/// Every 4xx and 5xx answer: `{"error": {"code": …, "message": …, "field": …, "retryable": …}}`.
public struct APIErrorBody: Codable, Equatable, Sendable {
    public struct Detail: Codable, Equatable, Sendable {
        /// Machine-readable: `invalid_request`, `unauthorized`, `not_found`, `conflict`,
        /// `no_node_fits`, `too_large`, `unavailable`, `timeout`, `deploy_failed`.
        public var code: String
        public var message: String
        /// The request field at fault, for `invalid_request`.
        public var field: String?
        /// True when the same request may simply be sent again (it is idempotent).
        public var retryable: Bool

        public init(code: String, message: String, field: String? = nil, retryable: Bool = false) {
            self.code = code
            self.message = message
            self.field = field
            self.retryable = retryable
        }
    }

    public var error: Detail

    public init(_ error: Detail) { self.error = error }
}
