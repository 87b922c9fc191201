using System.Text;

namespace AptP2P.Engine.Mirrors;

/// <summary>
/// A file on a mirror, in canonical form: lower-case host, explicit port, percent-decoded path without leading slash.
/// <see cref="Key"/> (<c>host[:port]/path</c>) is what the hash index and the URL records are keyed by.
/// </summary>
public sealed record MirrorUrl
{
    public MirrorUrl(string host, int port, string path)
    {
        Host = host;
        Port = port;
        Path = path;
        Authority = port == 80 ? host : $"{host}:{port}";
        Key = $"{Authority}/{path}";
    }

    public string Host { get; }
    public int Port { get; }
    /// <summary>Decoded path without the leading slash, e.g. <c>debian/pool/main/h/hello/hello_2.10-3_amd64.deb</c>.</summary>
    public string Path { get; }
    /// <summary><c>host</c>, or <c>host:port</c> when the port is not 80.</summary>
    public string Authority { get; }
    public string Key { get; }

    /// <summary>The URL to fetch from the mirror, with the path re-encoded the way apt encodes it.</summary>
    public Uri ToUpstreamUri() => new($"http://{Authority}/{EncodePath(Path)}", UriKind.Absolute);

    public override string ToString() => Key;

    /// <summary>Percent-encodes everything but unreserved characters, '/' and a few safe sub-delimiters; '+' and '~' are encoded as apt does.</summary>
    internal static string EncodePath(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path);
        var builder = new StringBuilder(bytes.Length + 16);
        foreach (var b in bytes)
        {
            if (IsPlain(b))
                builder.Append((char)b);
            else
                builder.Append('%').Append(HexDigits[b >> 4]).Append(HexDigits[b & 0xF]);
        }
        return builder.ToString();
    }

    private const string HexDigits = "0123456789abcdef";

    private static bool IsPlain(byte b) =>
        b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9')
            or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'/' or (byte)':' or (byte)'@' or (byte)'!' or (byte)'$'
            or (byte)'&' or (byte)'\'' or (byte)'(' or (byte)')' or (byte)'*' or (byte)',' or (byte)';' or (byte)'=';
}
