namespace AptP2P.Engine.Transfers.Bodies;

/// <summary>Where a body's bytes go as they arrive (a file, a piece, a hash).</summary>
public interface IBodySink
{
    /// <summary>Takes the next chunk; false stops the read (the chunk counts as not taken).</summary>
    bool Accept(ReadOnlySpan<byte> chunk);
}
