using System.Globalization;
using AptP2P.Testing.Machine;

namespace AptP2P.Bench;

/// <summary>One line of the results table: AptP2P against a reference measured in the same run.</summary>
internal sealed record Result(string Measure, string AptP2P, string Reference, double Ratio, string Goal, bool Met);

internal static class Measurements
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
            return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>curl's total time for one GET of <paramref name="url"/>, body discarded.</summary>
    public static async Task<double> CurlSecondsAsync(string url, params string[] options)
    {
        var spec = new ProcessSpec("curl", ["-sf", "-o", "/dev/null", "-w", "%{time_total}", .. options, url]) { Timeout = TimeSpan.FromMinutes(5) };
        var result = await ProcessRunner.RunAsync(spec, CancellationToken.None);
        return double.Parse(result.StandardOutput.Trim(), CultureInfo.InvariantCulture);
    }

    public static string F(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);

    public static void Print(TextWriter output, IEnumerable<Result> results)
    {
        output.WriteLine();
        output.WriteLine("| measure | AptP2P | reference | ratio | goal | met |");
        output.WriteLine("|---|---|---|---|---|---|");
        foreach (var r in results)
            output.WriteLine($"| {r.Measure} | {r.AptP2P} | {r.Reference} | {(double.IsNaN(r.Ratio) ? "—" : F(r.Ratio) + "×")} | {r.Goal} | {(r.Met ? "yes" : "no")} |");
    }
}
