#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Runs `cleanup` once on SIGINT or SIGTERM, then exits with 130: a command that started
/// nodes (in their own process groups, which a terminal's Ctrl-C does not reach) stops them
/// before it goes. Keep the returned value alive for as long as the handler should stay.
public final class InterruptCleanup: @unchecked Sendable {
    // @unchecked: the sources are only created here and cancelled in deinit.
    private let sources: [DispatchSourceSignal]

    public init(_ cleanup: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "edgeraft.interrupt")
        sources = [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler {
                cleanup()
                exit(130)
            }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
