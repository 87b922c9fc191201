using System.Collections.Concurrent;
using System.Security.Cryptography;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Peers;

/// <summary>
/// Shares packages apt already downloaded (by default <c>/var/cache/apt/archives</c>) without copying them: files are hashed
/// in the background at a gentle pace, matched against the hash index, and the ones the archive metadata lists are served to
/// peers read-only, in place. Nothing there is ever moved or deleted. Files are hashed once per size and modification time;
/// a rescan after new metadata only compares hashes.
/// </summary>
public sealed partial class SharedDirectoryScanner(
    HashIndex index,
    ContentStore store,
    Announcer announcer,
    IOptionsMonitor<PeerOptions> options,
    TimeProvider time,
    ILogger<SharedDirectoryScanner> logger) : BackgroundService
{
    private static readonly TimeSpan RescanInterval = TimeSpan.FromMinutes(10);
    /// <summary>Hashing pace: low priority, so apt and the transfers never feel it.</summary>
    private const long BytesPerSecond = 32L * 1024 * 1024;
    private const int ChunkSize = 1024 * 1024;

    private readonly ConcurrentDictionary<string, (long Size, DateTime Modified, ContentHash Hash)> _hashed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        index.Grew += WakeUp;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await ScanAsync(stoppingToken);
                await _wake.WaitAsync(RescanInterval, stoppingToken);
                // New metadata tends to come in bursts (apt-get update): let it settle.
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken);
                while (_wake.CurrentCount > 0)
                    await _wake.WaitAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            index.Grew -= WakeUp;
        }
    }

    private void WakeUp() => _wake.Release();

    private async Task ScanAsync(CancellationToken cancellationToken)
    {
        var shared = 0;
        foreach (var directory in options.CurrentValue.SharedDirectories.Where(Directory.Exists))
        {
            IEnumerable<string> files;
            try
            {
                files = Directory.EnumerateFiles(directory, "*.deb", new EnumerationOptions { IgnoreInaccessible = true }).ToList();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogUnreadable(directory, ex.Message);
                continue;
            }
            foreach (var path in files)
            {
                if (await ShareAsync(path, cancellationToken))
                    shared++;
            }
        }
        if (shared > 0)
            LogShared(shared);
    }

    private async Task<bool> ShareAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length == 0)
                return false;
            if (!_hashed.TryGetValue(path, out var known) || known.Size != info.Length || known.Modified != info.LastWriteTimeUtc)
            {
                known = (info.Length, info.LastWriteTimeUtc, await HashGentlyAsync(path, cancellationToken));
                _hashed[path] = known;
            }
            if (!index.Lists(known.Hash, known.Size) || store.Contains(known.Hash))
                return false;
            if (store.AddExternal(path, known.Hash, known.Size) is not { } entry)
                return false;
            announcer.Announce(entry);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogUnreadable(path, ex.Message);
            return false;
        }
    }

    private async Task<ContentHash> HashGentlyAsync(string path, CancellationToken cancellationToken)
    {
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        var buffer = new byte[ChunkSize];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hasher.AppendData(buffer, 0, read);
            await Task.Delay(TimeSpan.FromSeconds((double)read / BytesPerSecond), time, cancellationToken);
        }
        return ContentHash.FromHasher(hasher);
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sharing {Count} more packages from the shared directories, read-only")]
    private partial void LogShared(int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cannot read {Path}: {Reason}")]
    private partial void LogUnreadable(string path, string reason);
}
