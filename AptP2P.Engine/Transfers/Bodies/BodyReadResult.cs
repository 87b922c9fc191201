namespace AptP2P.Engine.Transfers.Bodies;

/// <summary>How reading a body ended.</summary>
public enum BodyReadStatus
{
    /// <summary>Every byte asked for arrived (or, with no limit, the body ended).</summary>
    Done,
    /// <summary>The body ended before the bytes asked for.</summary>
    EndOfStream,
    /// <summary>The sink declined a chunk; its own state says why.</summary>
    Stopped,
    /// <summary>The body sent nothing for the activity timeout.</summary>
    TimedOut,
    /// <summary>The connection broke; <see cref="BodyReadResult.Error"/> says how.</summary>
    Failed,
}

/// <summary>The outcome of <see cref="BodyReader.ReadAsync"/>: how it ended, how many bytes the sink took, and the error if one broke it.</summary>
public readonly record struct BodyReadResult(BodyReadStatus Status, long Bytes, Exception? Error = null);
