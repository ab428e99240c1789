import LifelineConfig
import Testing

/// The http_connection_manager of the bootstrap's first listener's first chain.
func decodeManager(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws
    -> HttpConnectionManagerConfig
{
    let bootstrap = try decodeBootstrap(text)
    return try #require(
        bootstrap.listeners.first?.filterChains.first?.httpConnectionManager,
        sourceLocation: sourceLocation
    )
}
