using System.Globalization;
using AptP2P.Engine.Configuration;

namespace AptP2P.Web.Dashboard.Components;

/// <summary>Numbers as the dashboard writes them: binary units, short durations, whole percentages.</summary>
public static class Format
{
    public static string Bytes(long bytes) => ByteSize.Format(bytes);

    public static string Bytes(long? bytes) => bytes is { } b ? ByteSize.Format(b) : "?";

    public static string Rate(double bytesPerSecond) =>
        bytesPerSecond < 1 ? "0 B/s" : ByteSize.Format((long)bytesPerSecond) + "/s";

    public static string Percent(double fraction) =>
        (fraction * 100).ToString(fraction is > 0 and < 0.1 ? "0.#" : "0", CultureInfo.InvariantCulture) + " %";

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
            span = TimeSpan.Zero;
        if (span.TotalSeconds < 10)
            return span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
        if (span.TotalMinutes < 1)
            return $"{(int)span.TotalSeconds} s";
        if (span.TotalHours < 1)
            return $"{span.Minutes} min {span.Seconds} s";
        if (span.TotalDays < 1)
            return $"{span.Hours} h {span.Minutes} min";
        return $"{(int)span.TotalDays} d {span.Hours} h";
    }

    /// <summary>"12 s ago", "3 min 4 s ago" for a moment before <paramref name="now"/>.</summary>
    public static string Ago(DateTimeOffset moment, DateTimeOffset now) => Duration(now - moment) + " ago";

    public static string Milliseconds(double ms) => ms.ToString(ms < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " ms";
}
