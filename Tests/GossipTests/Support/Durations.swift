extension Duration {
    /// The duration in whole nanoseconds.
    var inNanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }

    /// The duration in seconds.
    var inSeconds: Double {
        Double(inNanoseconds) / 1e9
    }
}
