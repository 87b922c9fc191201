using System.Buffers;
using System.Text;

namespace AptP2P.Web.Proxy;

/// <summary>The parts of an HTTP/1.1 request head the prefetcher needs.</summary>
internal readonly record struct RequestHead(string Method, string Target, bool HasBody, bool IsUpgrade);

/// <summary>Finds complete request heads (request line + headers + blank line) in bytes the connection has received.</summary>
internal static class RequestHeadScanner
{
    /// <summary>Heads longer than this are left to Kestrel (which enforces its own limits); the prefetcher just stops.</summary>
    public const int MaxHeadLength = 16 * 1024;

    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    /// <summary>Looks for one complete head at the start of <paramref name="buffer"/>.</summary>
    /// <returns>The head's length including the blank line, 0 when incomplete, -1 when it cannot be a request head we follow.</returns>
    public static int TryRead(ReadOnlySequence<byte> buffer, out RequestHead head)
    {
        head = default;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> headBytes, EndOfHead, advancePastDelimiter: true))
            return buffer.Length > MaxHeadLength ? -1 : 0;
        if (headBytes.Length > MaxHeadLength)
            return -1;

        var text = Encoding.Latin1.GetString(headBytes);
        var lineEnd = text.IndexOf("\r\n", StringComparison.Ordinal);
        var requestLine = lineEnd < 0 ? text : text[..lineEnd];
        var parts = requestLine.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            return -1;

        var hasBody = false;
        var upgrade = false;
        foreach (var line in text.AsSpan(lineEnd < 0 ? text.Length : lineEnd + 2).EnumerateLines())
        {
            if (line.StartsWith("content-length:", StringComparison.OrdinalIgnoreCase))
                hasBody |= !line["content-length:".Length..].Trim().SequenceEqual("0");
            else if (line.StartsWith("transfer-encoding:", StringComparison.OrdinalIgnoreCase))
                hasBody = true;
            else if (line.StartsWith("upgrade:", StringComparison.OrdinalIgnoreCase))
                upgrade = true;
        }
        head = new RequestHead(parts[0], parts[1], hasBody, upgrade);
        return (int)(headBytes.Length + EndOfHead.Length);
    }
}
