namespace AptP2P.Engine.Dht.Krpc;

/// <summary>
/// The outcome of decoding a datagram: a message, or a reason. A malformed query whose transaction id could be read is
/// answered with error 203; anything else unreadable is dropped.
/// </summary>
public readonly record struct KrpcDecodeResult(KrpcMessage? Message, string? Problem, byte[]? TransactionId, bool WasQuery)
{
    public static KrpcDecodeResult Ok(KrpcMessage message) => new(message, null, message.TransactionId, message is KrpcQuery);
    public static KrpcDecodeResult Bad(string problem, byte[]? transactionId = null, bool wasQuery = false) => new(null, problem, transactionId, wasQuery);

    /// <summary>True when the sender should get a 203 error back.</summary>
    public bool ShouldAnswerWithError => Message is null && WasQuery && TransactionId is not null;
}
