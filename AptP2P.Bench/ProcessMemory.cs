using System.Globalization;

namespace AptP2P.Bench;

/// <summary>A process's resident set as the kernel reports it (<c>/proc/PID/status</c>), the figure users see in top.</summary>
internal static class ProcessMemory
{
    /// <summary>VmRSS: resident now.</summary>
    public static long ResidentBytes(int pid) => Field(pid, "VmRSS:");

    /// <summary>VmHWM: the highest resident set since the start or since <see cref="ResetPeak"/>.</summary>
    public static long PeakResidentBytes(int pid) => Field(pid, "VmHWM:");

    /// <summary>Starts a new peak measurement (writing 5 to <c>clear_refs</c> resets VmHWM to the current VmRSS).</summary>
    public static void ResetPeak(int pid) => File.WriteAllText($"/proc/{pid}/clear_refs", "5");

    public static string Mb(long bytes) => (bytes / 1_000_000.0).ToString("0.0", CultureInfo.InvariantCulture) + " MB";

    private static long Field(int pid, string name)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal))
                continue;
            var kilobytes = line[name.Length..].Trim().Split(' ')[0];
            return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
        }
        throw new InvalidOperationException($"/proc/{pid}/status has no {name}");
    }

    /// <summary>VmRSS and its parts from <c>/proc/PID/smaps</c>: JIT code (the runtime's double-mapped W^X memory), files, the rest.</summary>
    public static string Breakdown(int pid)
    {
        long jit = 0, files = 0, other = 0;
        var name = "";
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0 && fields[0].Contains('-', StringComparison.Ordinal) && !fields[0].EndsWith(':'))
            {
                name = fields.Length == 6 ? fields[5].Trim() : "";
                continue;
            }
            if (fields.Length < 2 || fields[0] != "Rss:")
                continue;
            var bytes = long.Parse(fields[1], CultureInfo.InvariantCulture) * 1024;
            if (name.Contains("doublemapper", StringComparison.Ordinal))
                jit += bytes;
            else if (name.StartsWith('/'))
                files += bytes;
            else
                other += bytes;
        }
        return $"VmRSS {Mb(ResidentBytes(pid))} (JIT code {Mb(jit)}, mapped files {Mb(files)}, other {Mb(other)})";
    }
}
