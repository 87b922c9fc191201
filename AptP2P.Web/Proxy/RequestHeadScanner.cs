using System.Buffers;
using System.Text;

namespace AptP2P.Web.Proxy;

/// <summary>The parts of an HTTP/1.1 request head the prefetcher needs.</summary>
internal readonly record struct RequestHead(bool IsGet, string Target, bool HasBody, bool IsUpgrade);

/// <summary>Finds complete request heads (request line + headers + blank line) in bytes the connection has received.</summary>
internal static class RequestHeadScanner
{
    /// <summary>Heads longer than this are left to Kestrel (which enforces its own limits); the prefetcher just stops.</summary>
    public const int MaxHeadLength = 16 * 1024;

    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    /// <summary>How many head ends <paramref name="buffer"/> holds, counting no further than two (cheap: nothing parsed).</summary>
    public static int CountCompleteHeads(ReadOnlySpan<byte> buffer)
    {
        var first = buffer.IndexOf(EndOfHead);
        if (first < 0)
            return 0;
        return buffer[(first + EndOfHead.Length)..].IndexOf(EndOfHead) < 0 ? 1 : 2;
    }

    /// <summary>Looks for one complete head at the start of <paramref name="buffer"/>.</summary>
    /// <returns>The head's length including the blank line, 0 when incomplete, -1 when it cannot be a request head we follow.</returns>
    /// <param name="withTarget">False when the caller only needs the head's length and kind: the target is then left empty.</param>
    public static int TryRead(ReadOnlySpan<byte> buffer, out RequestHead head, bool withTarget = true)
    {
        head = default;
        var end = buffer.IndexOf(EndOfHead);
        if (end < 0)
            return buffer.Length > MaxHeadLength ? -1 : 0;
        if (end > MaxHeadLength)
            return -1;

        var text = buffer[..end];
        var lineEnd = text.IndexOf("\r\n"u8);
        var requestLine = lineEnd < 0 ? text : text[..lineEnd];
        var firstSpace = requestLine.IndexOf((byte)' ');
        var lastSpace = requestLine.LastIndexOf((byte)' ');
        if (firstSpace <= 0 || lastSpace <= firstSpace + 1 || !requestLine[(lastSpace + 1)..].StartsWith("HTTP/1."u8))
            return -1;

        var hasBody = false;
        var upgrade = false;
        var headers = lineEnd < 0 ? default : text[(lineEnd + 2)..];
        while (!headers.IsEmpty)
        {
            var next = headers.IndexOf("\r\n"u8);
            var line = next < 0 ? headers : headers[..next];
            headers = next < 0 ? default : headers[(next + 2)..];
            if (StartsWithIgnoreCase(line, "content-length:"u8))
                hasBody |= !line["content-length:".Length..].Trim((byte)' ').SequenceEqual("0"u8);
            else if (StartsWithIgnoreCase(line, "transfer-encoding:"u8))
                hasBody = true;
            else if (StartsWithIgnoreCase(line, "upgrade:"u8))
                upgrade = true;
        }

        var isGet = requestLine[..firstSpace].SequenceEqual("GET"u8);
        var target = isGet && withTarget ? Encoding.Latin1.GetString(requestLine[(firstSpace + 1)..lastSpace]) : "";
        head = new RequestHead(isGet, target, hasBody, upgrade);
        return end + EndOfHead.Length;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> line, ReadOnlySpan<byte> prefix) =>
        line.Length >= prefix.Length && Ascii.EqualsIgnoreCase(line[..prefix.Length], prefix);
}
