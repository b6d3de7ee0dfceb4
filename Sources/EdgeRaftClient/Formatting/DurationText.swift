/// Microseconds as a person reads them: `812 µs` below a millisecond, else `3.42 ms`.
public enum DurationText {
    public static func micros(_ value: UInt64) -> String {
        if value < 1_000 { return "\(value) µs" }
        let hundredths = value / 10
        let whole = hundredths / 100
        let fraction = hundredths % 100
        return "\(whole).\(fraction < 10 ? "0" : "")\(fraction) ms"
    }
}
