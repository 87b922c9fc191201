using System.Globalization;
using System.Text;

namespace AptP2P.Testing.Http;

/// <summary>The start line and header fields of an HTTP/1.1 request or response, plus the exact bytes they came in.</summary>
public sealed record HttpHead(string StartLine, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Raw)
{
    public static HttpHead Parse(byte[] raw)
    {
        var lines = Encoding.Latin1.GetString(raw).Split("\r\n");
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new FormatException($"Malformed header line: {line}");
            }
            headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }
        return new HttpHead(lines[0], headers, raw);
    }

    public string? this[string name] =>
        Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();

    /// <summary>First token of the start line: the method of a request, the version of a response.</summary>
    public string First => StartLine.Split(' ')[0];

    /// <summary>Second token: the target of a request, the status code of a response.</summary>
    public string Second => StartLine.Split(' ') is { Length: > 1 } parts ? parts[1] : string.Empty;

    /// <summary>Third token: the version of a request.</summary>
    public string Third => StartLine.Split(' ') is { Length: > 2 } parts ? parts[2] : string.Empty;

    public int StatusCode => int.Parse(Second, CultureInfo.InvariantCulture);

    public long? ContentLength => this["Content-Length"] is { } value ? long.Parse(value, CultureInfo.InvariantCulture) : null;

    public bool IsChunked => this["Transfer-Encoding"]?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>True if the message asks to close the connection after it (HTTP/1.1 rules: persistent unless told otherwise).</summary>
    public bool WantsClose(string version) =>
        this["Connection"] is { } connection
            ? connection.Contains("close", StringComparison.OrdinalIgnoreCase)
            : version != "HTTP/1.1";
}
