using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Transfers;

/// <summary>The one line every finished transfer logs, whichever way it ran.</summary>
internal static partial class TransferLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Fetched {Url} from {Sources}: {Bytes} bytes in {Elapsed} ms, {Result} {Detail}")]
    public static partial void Fetched(this ILogger logger, string url, string sources, long bytes, long elapsed, TransferResult result, string detail);
}
