using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using AptP2P.Engine.Mirrors;

namespace AptP2P.Engine.Proxy;

/// <summary>Why a request target was refused; the web layer maps these to 400/414.</summary>
public enum TargetProblem
{
    None,
    Malformed,
    TooLong,
}

/// <summary>The outcome of parsing a request target: a mirror URL, or a problem with a reason for the log and the client.</summary>
public readonly record struct ParsedTarget(MirrorUrl? Url, TargetProblem Problem, string? Reason)
{
    public static ParsedTarget Fail(string reason, TargetProblem problem = TargetProblem.Malformed) => new(null, problem, reason);
}

/// <summary>
/// Turns the raw request target apt sent (<c>/host[:port]/path</c> in URL-prefix mode, <c>http://host[:port]/path</c> in
/// HTTP-proxy mode; for an https mirror <c>/HTTPS///host[:port]/path</c>, apt-cacher-ng's form, or <c>https://host/path</c>)
/// into a <see cref="MirrorUrl"/>. Works on the raw bytes before any normalisation, so that '..' segments,
/// encoded dots and encoded separators are refused rather than silently collapsed, and decodes percent-encoding exactly once.
/// The one exception is a literal "./" inside the path, which apt itself sends for flat repositories; it is dropped.
/// </summary>
public static class ProxyTargetParser
{
    /// <summary>Longer targets are refused with 414; apt's paths are a few hundred characters at most.</summary>
    public const int MaxTargetLength = 2048;

    private static readonly SearchValues<char> HostChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.");

    public static ParsedTarget Parse(string rawTarget)
    {
        if (rawTarget.Length > MaxTargetLength)
            return ParsedTarget.Fail($"the request target is longer than {MaxTargetLength} characters", TargetProblem.TooLong);
        if (rawTarget.Length == 0)
            return ParsedTarget.Fail("empty request target");

        foreach (var c in rawTarget)
        {
            if (c < 0x21 || c >= 0x7F)
                return ParsedTarget.Fail("control, space or non-ASCII character in the request target");
            if (c == '\\')
                return ParsedTarget.Fail("backslash in the request target");
            if (c is '?' or '#')
                return ParsedTarget.Fail("query strings and fragments are not supported");
        }

        ReadOnlySpan<char> rest;
        var secure = false;
        if (rawTarget.StartsWith(SecurePrefix, StringComparison.OrdinalIgnoreCase))
        {
            rest = rawTarget.AsSpan(SecurePrefix.Length);
            secure = true;
        }
        else if (rawTarget[0] == '/')
        {
            rest = rawTarget.AsSpan(1);
        }
        else if (rawTarget.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            rest = rawTarget.AsSpan("http://".Length);
        }
        else if (rawTarget.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            rest = rawTarget.AsSpan("https://".Length);
            secure = true;
        }
        else
        {
            return ParsedTarget.Fail("the request target is neither a path nor an http:// or https:// URL");
        }

        var slash = rest.IndexOf('/');
        var authority = slash < 0 ? rest : rest[..slash];
        var pathPart = slash < 0 ? ReadOnlySpan<char>.Empty : rest[(slash + 1)..];

        if (!TryParseAuthority(authority, secure ? MirrorUrl.HttpsPort : MirrorUrl.HttpPort, out var host, out var port, out var authorityProblem))
            return ParsedTarget.Fail(authorityProblem);
        if (pathPart.IsEmpty)
            return ParsedTarget.Fail("no path after the mirror host");
        if (!TryDecodePath(pathPart, out var path, out var pathProblem))
            return ParsedTarget.Fail(pathProblem);

        return new ParsedTarget(new MirrorUrl(host, port, path, secure), TargetProblem.None, null);
    }

    /// <summary>apt-cacher-ng's remap of an https source into an http one: <c>http://proxy:3142/HTTPS///host/path</c>.</summary>
    private const string SecurePrefix = "/HTTPS///";

    private static bool TryParseAuthority(ReadOnlySpan<char> authority, int defaultPort, out string host, out int port, out string problem)
    {
        host = "";
        port = defaultPort;
        problem = "";
        if (authority.IsEmpty)
        {
            problem = "empty mirror host";
            return false;
        }
        if (authority.Contains('@'))
        {
            problem = "user information in the mirror host is not allowed";
            return false;
        }

        ReadOnlySpan<char> hostPart;
        ReadOnlySpan<char> portPart = default;
        if (authority[0] == '[')
        {
            var close = authority.IndexOf(']');
            if (close < 0)
            {
                problem = "unterminated IPv6 literal in the mirror host";
                return false;
            }
            hostPart = authority[..(close + 1)];
            var after = authority[(close + 1)..];
            if (!after.IsEmpty)
            {
                if (after[0] != ':')
                {
                    problem = "malformed mirror host";
                    return false;
                }
                portPart = after[1..];
            }
            if (!IPAddress.TryParse(hostPart[1..^1], out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                problem = "malformed IPv6 literal in the mirror host";
                return false;
            }
        }
        else
        {
            var colon = authority.IndexOf(':');
            hostPart = colon < 0 ? authority : authority[..colon];
            if (colon >= 0)
                portPart = authority[(colon + 1)..];
            if (hostPart.IsEmpty)
            {
                problem = "empty mirror host";
                return false;
            }
            if (hostPart.Length > 253 || hostPart.ContainsAnyExcept(HostChars) || hostPart[0] is '.' or '-' || hostPart.Contains("..", StringComparison.Ordinal))
            {
                problem = "malformed mirror host name";
                return false;
            }
        }

        if (portPart.Length > 0 || (authority.Length > hostPart.Length))
        {
            if (!int.TryParse(portPart, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                problem = "malformed mirror port";
                return false;
            }
        }

        host = hostPart.ToString().ToLowerInvariant();
        return true;
    }

    private static bool TryDecodePath(ReadOnlySpan<char> raw, out string path, out string problem)
    {
        path = "";
        problem = "";
        var bytes = ArrayPool<byte>.Shared.Rent(raw.Length);
        try
        {
            var length = 0;
            var segmentStart = 0;
            for (var i = 0; i < raw.Length; i++)
            {
                var c = raw[i];
                if (c == '%')
                {
                    if (i + 2 >= raw.Length || !IsHex(raw[i + 1]) || !IsHex(raw[i + 2]))
                    {
                        problem = "malformed percent-encoding";
                        return false;
                    }
                    var value = (byte)((HexValue(raw[i + 1]) << 4) | HexValue(raw[i + 2]));
                    if (value is (byte)'/' or (byte)'\\')
                    {
                        problem = "encoded path separator (%2f or %5c)";
                        return false;
                    }
                    if (value < 0x20 || value == 0x7F)
                    {
                        problem = "encoded control character or NUL";
                        return false;
                    }
                    bytes[length++] = value;
                    i += 2;
                }
                else if (c == '/')
                {
                    if (IsLiteralDotSegment(raw, i))
                    {
                        // "./" as apt writes it for flat repositories (deb http://host/path ./): harmless, dropped.
                        length = segmentStart;
                        continue;
                    }
                    if (!CheckSegment(bytes.AsSpan(segmentStart, length - segmentStart), isLast: false, out problem))
                        return false;
                    bytes[length++] = (byte)'/';
                    segmentStart = length;
                }
                else
                {
                    bytes[length++] = (byte)c;
                }
            }
            if (!CheckSegment(bytes.AsSpan(segmentStart, length - segmentStart), isLast: true, out problem))
                return false;

            try
            {
                path = Strict.GetString(bytes, 0, length);
            }
            catch (DecoderFallbackException)
            {
                problem = "the decoded path is not valid UTF-8";
                return false;
            }
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    /// <summary>True when the raw segment ending at <paramref name="slash"/> is a literal, unencoded ".".</summary>
    private static bool IsLiteralDotSegment(ReadOnlySpan<char> raw, int slash) =>
        slash >= 1 && raw[slash - 1] == '.' && (slash == 1 || raw[slash - 2] == '/');

    private static bool CheckSegment(ReadOnlySpan<byte> segment, bool isLast, out string problem)
    {
        problem = "";
        if (segment.IsEmpty && !isLast)
        {
            problem = "empty path segment";
            return false;
        }
        if (segment.SequenceEqual("."u8) || segment.SequenceEqual(".."u8))
        {
            problem = "'.' or '..' path segment";
            return false;
        }
        return true;
    }

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
