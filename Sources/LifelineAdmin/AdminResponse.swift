/// What an admin endpoint answers: a status, a content type and a body.
public struct AdminResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String
    public var body: String

    public init(status: Int = 200, contentType: String = "text/plain; charset=UTF-8", body: String) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    public static func json(_ body: String, status: Int = 200) -> AdminResponse {
        AdminResponse(status: status, contentType: "application/json", body: body)
    }
}
