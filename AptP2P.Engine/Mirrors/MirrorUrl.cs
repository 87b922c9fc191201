using System.Text;

namespace AptP2P.Engine.Mirrors;

/// <summary>
/// A file on a mirror, in canonical form: lower-case host, explicit port, percent-decoded path without leading slash.
/// <see cref="Key"/> (<c>host[:port]/path</c>, or <c>https://host[:port]/path</c> for an https mirror) is what the hash
/// index and the URL records are keyed by, so a host's http and https archives never mix.
/// </summary>
public sealed record MirrorUrl
{
    public const int HttpPort = 80;
    public const int HttpsPort = 443;

    public MirrorUrl(string host, int port, string path, bool secure = false)
    {
        Host = host;
        Port = port;
        Path = path;
        Secure = secure;
        HostPort = port == (secure ? HttpsPort : HttpPort) ? host : $"{host}:{port}";
        Authority = secure ? $"https://{HostPort}" : HostPort;
        Key = $"{Authority}/{path}";
    }

    public string Host { get; }
    public int Port { get; }
    /// <summary>Decoded path without the leading slash, e.g. <c>debian/pool/main/h/hello/hello_2.10-3_amd64.deb</c>.</summary>
    public string Path { get; }

    /// <summary>The mirror is fetched over TLS (apt-cacher-ng's <c>/HTTPS///host/path</c> form).</summary>
    public bool Secure { get; }

    /// <summary><c>host</c>, or <c>host:port</c> when the port is not the scheme's default.</summary>
    public string HostPort { get; }

    /// <summary>The mirror as the index and the logs name it: <see cref="HostPort"/>, with <c>https://</c> before it for a TLS mirror.</summary>
    public string Authority { get; }
    public string Key { get; }

    /// <summary>The URL to fetch from the mirror, with the path re-encoded the way apt encodes it.</summary>
    public Uri ToUpstreamUri() => new($"{(Secure ? "https" : "http")}://{HostPort}/{EncodePath(Path)}", UriKind.Absolute);

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
