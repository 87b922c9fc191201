using System.Globalization;
using System.Text.RegularExpressions;

namespace AptP2P.Testing.Mirrors;

/// <summary>
/// One line of <see cref="NginxMirror"/>'s access log. Header values are null when the request had none.
/// <see cref="Path"/> is the request target exactly as sent (still percent-encoded, absolute-form when sent through a proxy).
/// </summary>
public sealed partial record NginxLogEntry(
    string Method,
    string Path,
    int Status,
    long BodyBytes,
    string? Range,
    string? IfRange,
    string? IfModifiedSince,
    string? CacheControl,
    string? UserAgent,
    string? Host,
    long ConnectionId,
    int ConnectionRequestNumber,
    double RequestTimeSeconds)
{
    /// <summary>The nginx <c>log_format</c> that <see cref="Parse"/> reads.</summary>
    public const string LogFormat =
        "$remote_addr \"$request\" $status $body_bytes_sent ims=\"$http_if_modified_since\" range=\"$http_range\" "
        + "ifrange=\"$http_if_range\" cc=\"$http_cache_control\" ua=\"$http_user_agent\" host=\"$http_host\" "
        + "conn=$connection/$connection_requests t=$request_time";

    public static NginxLogEntry Parse(string line)
    {
        var match = LinePattern().Match(line);
        if (!match.Success)
        {
            throw new FormatException($"Not an access log line in the 'apt' format: {line}");
        }
        var request = Unescape(match.Groups["request"].Value).Split(' ');
        return new NginxLogEntry(
            Method: request[0],
            Path: request.Length > 1 ? request[1] : string.Empty,
            Status: int.Parse(match.Groups["status"].Value, CultureInfo.InvariantCulture),
            BodyBytes: long.Parse(match.Groups["bytes"].Value, CultureInfo.InvariantCulture),
            Range: Value(match, "range"),
            IfRange: Value(match, "ifrange"),
            IfModifiedSince: Value(match, "ims"),
            CacheControl: Value(match, "cc"),
            UserAgent: Value(match, "ua"),
            Host: Value(match, "host"),
            ConnectionId: long.Parse(match.Groups["conn"].Value, CultureInfo.InvariantCulture),
            ConnectionRequestNumber: int.Parse(match.Groups["req"].Value, CultureInfo.InvariantCulture),
            RequestTimeSeconds: double.Parse(match.Groups["t"].Value, CultureInfo.InvariantCulture));
    }

    private static string? Value(Match match, string group)
    {
        var raw = match.Groups[group].Value;
        return raw == "-" ? null : Unescape(raw);
    }

    // nginx writes '"', '\' and non-printable bytes of variables as \xHH.
    private static string Unescape(string value) =>
        EscapePattern().Replace(value, m => ((char)Convert.ToByte(m.Groups[1].Value, 16)).ToString());

    [GeneratedRegex("""^\S+ "(?<request>[^"]*)" (?<status>\d{3}) (?<bytes>\d+) ims="(?<ims>[^"]*)" range="(?<range>[^"]*)" ifrange="(?<ifrange>[^"]*)" cc="(?<cc>[^"]*)" ua="(?<ua>[^"]*)" host="(?<host>[^"]*)" conn=(?<conn>\d+)/(?<req>\d+) t=(?<t>[\d.]+)$""")]
    private static partial Regex LinePattern();

    [GeneratedRegex(@"\\x([0-9A-Fa-f]{2})")]
    private static partial Regex EscapePattern();
}
