using System.Diagnostics;
using AptP2P.Engine;
using AptP2P.Engine.Apt;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Mirrors;
using AptP2P.Testing.Apt;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Nodes;
using Microsoft.Extensions.Logging;
using static AptP2P.Bench.Measurements;

namespace AptP2P.Bench;

/// <summary>A Debian-sized Packages.xz (65,000 stanzas, ~50 MB plain) parsed and stored by a node, as after <c>apt-get update</c>.</summary>
internal static class IndexBenchmark
{
    public static async Task<Result> RunAsync(TextWriter output)
    {
        var directory = Directory.CreateTempSubdirectory("aptp2p-index-bench-").FullName;
        try
        {
            var plain = Path.Combine(directory, "Packages");
            await using (var file = File.Create(plain))
                SyntheticPackages.Write(file, MetadataBenchmark.DebianMainStanzas);
            var plainBytes = new FileInfo(plain).Length;
            await ProcessRunner.RunAsync(new ProcessSpec("xz", ["-6", "-T0", "-k", plain]) { Timeout = TimeSpan.FromMinutes(5) }, CancellationToken.None);
            var compressed = plain + ".xz";

            var parseOnly = Stopwatch.StartNew();
            long parsed = 0;
            await using (var raw = File.OpenRead(compressed))
            using (var read = MetadataReader.Read(MetadataFile.Classify("debian/dists/sid/main/binary-amd64/Packages.xz")!, raw))
            {
                foreach (var _ in read.Entries)
                    parsed++;
            }
            parseOnly.Stop();
            output.WriteLine($"  parse alone (xz → entries): {F(parseOnly.Elapsed.TotalSeconds)} s for {parsed} entries");

            await using var node = await AptP2PNode.StartAsync(LogLevel.Warning, null, "127.0.0.1", 0);
            var store = node.Get<ContentStore>();
            var partial = store.Directory.NewPartialPath();
            File.Copy(compressed, partial);
            var hash = ContentHash.Compute(await File.ReadAllBytesAsync(compressed));
            store.Add(partial, hash, new FileInfo(compressed).Length, verified: true);
            var url = new MirrorUrl("bench.example", 80, "debian/dists/sid/main/binary-amd64/Packages.xz");

            var managedBefore = GC.GetTotalMemory(forceFullCollection: true);
            var started = Stopwatch.GetTimestamp();
            await node.Get<IndexIngestor>().IngestAsync(url, hash);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var managedAfter = GC.GetTotalMemory(forceFullCollection: false);
            var entries = node.Get<HashIndex>().Count;

            var stanzasPerSecond = MetadataBenchmark.DebianMainStanzas / elapsed.TotalSeconds;
            output.WriteLine($"Packages.xz of {MetadataBenchmark.DebianMainStanzas} stanzas ({F(plainBytes / 1e6, "0.0")} MB plain, {F(new FileInfo(compressed).Length / 1e6, "0.0")} MB xz): parsed and stored in {F(elapsed.TotalSeconds)} s, {F(stanzasPerSecond, "0")} stanzas/s, {entries} index entries, managed heap +{F((managedAfter - managedBefore) / 1e6, "0")} MB, peak working set {F(Process.GetCurrentProcess().PeakWorkingSet64 / 1e6, "0")} MB");
            return new Result("Debian-sized Packages.xz parsed and stored (65,000 stanzas)", $"{F(elapsed.TotalSeconds)} s", "—", double.NaN, "a few seconds", elapsed.TotalSeconds < 5);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
