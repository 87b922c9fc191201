using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using AptP2P.Engine.Apt;
using AptP2P.Engine.Apt.Decompression;
using AptP2P.Engine.Apt.Parsing;

namespace AptP2P.Testing.Apt;

/// <summary>
/// Measures how fast <see cref="MetadataReader"/> gets through a Debian-sized Packages file,
/// plain and compressed. Not part of the test run: it writes ~100 MB of temporary files and
/// needs the <c>xz</c> command to compress them quickly.
/// </summary>
public static class MetadataBenchmark
{
    /// <summary>Roughly the number of stanzas in Debian main/amd64's Packages.</summary>
    public const int DebianMainStanzas = 65_000;

    public static void Run(TextWriter output, int stanzas = DebianMainStanzas)
    {
        ArgumentNullException.ThrowIfNull(output);
        var directory = Directory.CreateTempSubdirectory("aptp2p-metadata-bench-").FullName;
        try
        {
            var plain = Path.Combine(directory, "Packages");
            using (var file = File.Create(plain))
            {
                SyntheticPackages.Write(file, stanzas);
            }

            var plainBytes = new FileInfo(plain).Length;
            output.WriteLine(Invariant($"Packages: {stanzas} stanzas, {plainBytes / 1e6:F1} MB ({plainBytes / stanzas} bytes/stanza)"));

            var timer = Stopwatch.StartNew();
            RunTool("xz", $"-6 -T1 -k \"{plain}\"");
            output.WriteLine(Invariant($"xz -6: {new FileInfo(plain + ".xz").Length / 1e6:F1} MB in {timer.Elapsed.TotalSeconds:F1} s (external tool)"));
            using (var source = File.OpenRead(plain))
            using (var gzip = new GZipStream(File.Create(plain + ".gz"), CompressionLevel.Optimal))
            {
                source.CopyTo(gzip);
            }

            // The first run pays for JIT compilation; report the best of a few.
            Measure(output, "plain", plain, plainBytes, runs: 3);
            Measure(output, "gzip", plain + ".gz", plainBytes, runs: 2);
            MeasureDecompressionOnly(output, "xz", plain + ".xz", plainBytes);
            // The same file through the managed fallback (SharpCompress), in the same run, and liblzma once more after it.
            MeasureDecompressionOnly(output, "xz (managed SharpCompress fallback)", plain + ".xz", plainBytes, nativeXz: false);
            MeasureDecompressionOnly(output, "xz", plain + ".xz", plainBytes);
            Measure(output, "xz", plain + ".xz", plainBytes, runs: 1);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Debian's own bookworm main indexes (Packages.xz for amd64, Sources.xz), fetched once with curl into
    /// <c>/tmp/aptp2p-bench-debian</c>: decoded by liblzma and by the managed fallback, and decoded and parsed as the node
    /// indexes them (the database writes are measured by the proxy benchmark's index run).
    /// </summary>
    public static void RunDebian(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var directory = Path.Combine(Path.GetTempPath(), "aptp2p-bench-debian");
        Directory.CreateDirectory(directory);
        foreach (var (name, url, canonical) in new[]
        {
            ("Packages.xz", "http://deb.debian.org/debian/dists/bookworm/main/binary-amd64/Packages.xz", "debian/dists/bookworm/main/binary-amd64/Packages.xz"),
            ("Sources.xz", "http://deb.debian.org/debian/dists/bookworm/main/source/Sources.xz", "debian/dists/bookworm/main/source/Sources.xz"),
        })
        {
            var path = Path.Combine(directory, name);
            if (!File.Exists(path))
                RunTool("curl", $"-fsSL -o \"{path}\" {url}");
            long plainBytes;
            using (var raw = File.OpenRead(path))
            using (var content = MetadataFile.OpenDecompressed(raw, Compression.Xz))
            {
                plainBytes = 0;
                var buffer = new byte[1 << 16];
                int n;
                while ((n = content.Read(buffer)) > 0)
                    plainBytes += n;
            }
            output.WriteLine(Invariant($"bookworm {name}: {new FileInfo(path).Length / 1e6:F1} MB, {plainBytes / 1e6:F1} MB plain"));
            MeasureDecompressionOnly(output, "xz", path, plainBytes);
            MeasureDecompressionOnly(output, "xz (managed SharpCompress fallback)", path, plainBytes, nativeXz: false);
            var info = MetadataFile.Classify(canonical)!;
            var best = TimeSpan.MaxValue;
            var entries = 0L;
            for (var run = 0; run < 3; run++)
            {
                var timer = Stopwatch.StartNew();
                using var raw = File.OpenRead(path);
                using var result = MetadataReader.Read(info, raw);
                entries = result.Entries.LongCount();
                best = timer.Elapsed < best ? timer.Elapsed : best;
            }
            output.WriteLine(Invariant($"{name} decoded and parsed (liblzma, best of 3): {best.TotalMilliseconds:F0} ms, {entries} files"));
        }
    }

    private static void Measure(TextWriter output, string label, string path, long plainBytes, int runs)
    {
        var info = MetadataFile.Classify("debian/dists/sid/main/binary-amd64/" + Path.GetFileName(path))!;
        var best = TimeSpan.MaxValue;
        long entries = 0;
        long allocated = 0;
        long peakHeap = 0;
        for (var run = 0; run < runs; run++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var peak = heapBefore;
            var timer = Stopwatch.StartNew();
            using (var raw = File.OpenRead(path))
            using (var result = MetadataReader.Read(info, raw))
            {
                entries = 0;
                foreach (var _ in result.Entries)
                {
                    // Sampling the heap is cheap next to an entry's parse, but not free: do it now and then.
                    if ((++entries & 1023) == 0)
                    {
                        peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                    }
                }

                if (result.Stats.Failed)
                {
                    throw new InvalidDataException($"The benchmark's {label} file did not parse: {result.Stats.Error}");
                }
            }

            timer.Stop();
            if (timer.Elapsed < best)
            {
                best = timer.Elapsed;
                allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                peakHeap = peak - heapBefore;
            }
        }

        var seconds = best.TotalSeconds;
        output.WriteLine(Invariant($"{label,-6} parse: {seconds * 1000,7:F0} ms  {entries / seconds,9:F0} stanzas/s  {plainBytes / 1e6 / seconds,7:F1} MB/s (uncompressed)  allocated {allocated / 1e6:F1} MB, peak managed heap +{peakHeap / 1e6:F1} MB"));
    }

    /// <param name="nativeXz">false: xz through the managed fallback (SharpCompress) instead of liblzma.</param>
    private static void MeasureDecompressionOnly(TextWriter output, string label, string path, long plainBytes, bool? nativeXz = null)
    {
        var timer = Stopwatch.StartNew();
        using (var raw = File.OpenRead(path))
        using (var content = MetadataFile.OpenDecompressed(raw, Compression.None, nativeXz: nativeXz))
        {
            content.CopyTo(Stream.Null, 1 << 16);
        }

        var seconds = timer.Elapsed.TotalSeconds;
        output.WriteLine(Invariant($"{label,-6} decompression alone: {seconds * 1000,7:F0} ms  {plainBytes / 1e6 / seconds,7:F1} MB/s (uncompressed)"));
    }

    private static void RunTool(string tool, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardError = true })
            ?? throw new InvalidOperationException($"{tool} did not start.");
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {arguments} failed: {errors}");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
