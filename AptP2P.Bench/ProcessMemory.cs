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
}
