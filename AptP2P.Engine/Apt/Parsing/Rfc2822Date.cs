using System.Globalization;
using System.Text;

namespace AptP2P.Engine.Apt.Parsing;

/// <summary>
/// Parses the dates of Release files: RFC 2822 as written by dak and apt-ftparchive,
/// <c>Sat, 10 Feb 2024 09:44:34 UTC</c> or <c>... +0000</c>.
/// </summary>
internal static class Rfc2822Date
{
    private static readonly string[] Months =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    /// <returns>null if <paramref name="value"/> is not such a date.</returns>
    public static DateTimeOffset? Parse(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty || value.Length > 100 || !Ascii.IsValid(value))
        {
            return null;
        }

        var parts = Encoding.ASCII.GetString(value).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var i = parts.Length > 0 && parts[0].EndsWith(',') ? 1 : 0;

        // A trailing comment such as "(UTC)" is allowed by RFC 2822.
        var count = parts.Length - i;
        if (count == 6 && parts[^1].StartsWith('('))
        {
            count = 5;
        }

        if (count != 5)
        {
            return null;
        }

        var month = 1 + Array.FindIndex(Months, m => m.Equals(parts[i + 1], StringComparison.OrdinalIgnoreCase));
        if (month == 0
            || !TryParseNumber(parts[i], 1, 2, out var day)
            || !TryParseNumber(parts[i + 2], 4, 4, out var year)
            || !TryParseTime(parts[i + 3], out var hour, out var minute, out var second)
            || !TryParseZone(parts[i + 4], out var offset)
            || year is < 1900 or > 9998 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return null;
        }

        return new DateTimeOffset(year, month, day, hour, minute, second, offset);
    }

    private static bool TryParseTime(string text, out int hour, out int minute, out int second)
    {
        var fields = text.Split(':');
        hour = minute = second = 0;
        return fields.Length is 2 or 3
            && TryParseNumber(fields[0], 2, 2, out hour) && hour < 24
            && TryParseNumber(fields[1], 2, 2, out minute) && minute < 60
            && (fields.Length == 2 || (TryParseNumber(fields[2], 2, 2, out second) && second < 60));
    }

    private static bool TryParseZone(string text, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        if (text is "UTC" or "GMT" or "UT" or "Z")
        {
            return true;
        }

        var digits = text.Length == 6 && text[3] == ':' ? text.Remove(3, 1) : text;
        if (digits.Length != 5 || digits[0] is not ('+' or '-')
            || !TryParseNumber(digits[1..3], 2, 2, out var hours) || hours > 14
            || !TryParseNumber(digits[3..], 2, 2, out var minutes) || minutes >= 60
            // DateTimeOffset refuses anything past fourteen hours and would throw: "+1459" is no date, not a crash.
            || (hours * 60) + minutes > 14 * 60)
        {
            return false;
        }

        offset = new TimeSpan(hours, minutes, 0);
        if (digits[0] == '-')
        {
            offset = -offset;
        }

        return true;
    }

    private static bool TryParseNumber(string text, int minDigits, int maxDigits, out int value)
    {
        value = 0;
        return text.Length >= minDigits && text.Length <= maxDigits
            && text.All(char.IsAsciiDigit)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
