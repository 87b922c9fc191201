using System.Collections.Concurrent;
using AptP2P.Engine.Apt.Index;
using AptP2P.Engine.Cache;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Peers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Transfers;

/// <summary>
/// At most one transfer per file: every request for a hash (or, for files without a known hash, for a URL) joins the transfer
/// already running. Transfers run on the node's lifetime, not the request's, so one whose reader went away still finishes into
/// the cache.
/// </summary>
public sealed partial class TransferCoordinator : IDisposable
{
    /// <summary>
    /// How long a mirror's 404 for a hashed file is remembered, by name: apt's retry gets the same 404 at once, and a mirror
    /// mid-sync is asked again soon. Another name of the same file (by-hash or plain) is not affected: apt falls back to it.
    /// </summary>
    private static readonly TimeSpan NotFoundMemory = TimeSpan.FromSeconds(15);

    private readonly ConcurrentDictionary<string, Transfer> _active = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Transfer> _recentlyNotFound = new(StringComparer.Ordinal);
    private readonly MirrorDownload _download;
    private readonly Swarm.SwarmFinder _finder;
    private readonly Swarm.SwarmDownload _swarm;
    private readonly ConcurrentDictionary<ContentHash, DateTimeOffset> _mismatched = new();
    private readonly DataDirectory _directory;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly ILogger<TransferCoordinator> _logger;
    private readonly IndexIngestor _ingestor;
    private readonly Announcer _announcer;

    public TransferCoordinator(MirrorDownload download, Swarm.SwarmFinder finder, Swarm.SwarmDownload swarm, IndexIngestor ingestor, Announcer announcer,
        DataDirectory directory, IOptionsMonitor<AptP2POptions> options, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<TransferCoordinator> logger)
    {
        _ingestor = ingestor;
        _announcer = announcer;
        _logger = logger;
        _download = download;
        _finder = finder;
        _swarm = swarm;
        _directory = directory;
        _time = time;
        _slots = new SemaphoreSlim(options.CurrentValue.Mirror.MaxConcurrentDownloads);
        // Transfers stop when the node starts stopping, not when the container is disposed after every hosted service.
        lifetime.ApplicationStopping.Register(_lifetime.Cancel);
    }

    /// <summary>How many finished transfers <see cref="Recent"/> keeps.</summary>
    public const int RecentCapacity = 100;

    private readonly ConcurrentQueue<Transfer> _recent = new();

    public IReadOnlyCollection<Transfer> Active => _active.Values.ToList();

    /// <summary>Raised once per transfer when it has ended, whatever the result, after it has joined <see cref="Recent"/>.</summary>
    public event Action<Transfer>? Ended;

    /// <summary>The last finished transfers, newest first.</summary>
    public IReadOnlyList<Transfer> Recent => [.. _recent.Reverse()];

    /// <summary>The transfer of a file whose hash the archive metadata gives.</summary>
    public Transfer GetOrStart(MirrorUrl url, ContentHash hash, long? size)
    {
        if (_recentlyNotFound.TryGetValue(url.Key, out var notFound))
        {
            if (notFound.ExpectedHash == hash && _time.GetUtcNow() - notFound.StartedAt < NotFoundMemory)
                return notFound;
            _recentlyNotFound.TryRemove(new(url.Key, notFound));
        }
        return GetOrStart("sha256:" + hash, url, hash, size, revalidate: null);
    }

    /// <summary>The transfer of a file without a known hash; with a cached copy, the request is a revalidation.</summary>
    public Transfer GetOrStartRevalidation(MirrorUrl url, UrlInfo? cached) =>
        GetOrStart("url:" + url.Key, url, expectedHash: null, expectedSize: null, cached);

    private Transfer GetOrStart(string key, MirrorUrl url, ContentHash? expectedHash, long? expectedSize, UrlInfo? revalidate)
    {
        while (true)
        {
            var found = _active.TryGetValue(key, out var running);
            // An ended transfer still on its way out answered for its own name; another name of the file gets its own try.
            if (found && !(running!.Completion.IsCompleted && running.Url.Key != url.Key))
                return running;

            var partial = _directory.NewPartialPath();
            var transfer = new Transfer(key, url, expectedHash, expectedSize, partial, _time.GetUtcNow());
            File.Create(partial).Dispose();
            if (!(found ? _active.TryUpdate(key, transfer, running!) : _active.TryAdd(key, transfer)))
            {
                File.Delete(partial);
                continue;
            }
            // Not inline: a download whose bytes are already waiting in the socket would copy the whole file before the caller
            // even opened its reader. Fair (first queued, first run): apt wants the first of its pipelined files first.
            _ = Task.Factory.StartNew(() => RunAsync(transfer, revalidate), CancellationToken.None, TaskCreationOptions.PreferFairness, TaskScheduler.Default).Unwrap();
            return transfer;
        }
    }

    private async Task RunAsync(Transfer transfer, UrlInfo? revalidate)
    {
        var token = _lifetime.Token;
        try
        {
            await _slots.WaitAsync(token);
            try
            {
                await DownloadAsync(transfer, revalidate, token);
            }
            finally
            {
                _slots.Release();
            }
        }
        catch (OperationCanceledException)
        {
            transfer.End(TransferResult.Failed, "shutting down");
        }
        catch (Exception ex)
        {
            // A bug must fail the transfer, never leave its readers waiting.
            LogCrashed(transfer.Url.Key, ex);
            transfer.End(TransferResult.Failed, "internal error: " + ex.Message);
        }
        finally
        {
            transfer.MarkEnded(_time.GetUtcNow());
            _active.TryRemove(new(transfer.Key, transfer));
            _recent.Enqueue(transfer);
            while (_recent.Count > RecentCapacity)
                _recent.TryDequeue(out _);
        }
        Ended?.Invoke(transfer);

        if (transfer.Completion.Result == TransferResult.Stored && transfer.Stored is { } stored)
            AfterStored(transfer.Url, stored);
        else if (transfer.ExpectedHash is not null && transfer.Head.Result is { Kind: HeadKind.UpstreamStatus, UpstreamStatus: 404 or 410 })
            _recentlyNotFound[transfer.Url.Key] = transfer;
        else if (transfer.Completion.Result == TransferResult.HashMismatch && transfer.ExpectedHash is { } bad)
            _mismatched[bad] = _time.GetUtcNow();
    }

    /// <summary>
    /// The one choice of source: in pieces from a swarm when the file's hash and size are known and a swarm turns up within
    /// the grace, else streamed from the mirror.
    /// </summary>
    private async Task DownloadAsync(Transfer transfer, UrlInfo? revalidate, CancellationToken cancellationToken)
    {
        if (transfer.ExpectedHash is not null && transfer.ExpectedSize is not null)
        {
            var search = await _finder.FindAsync(transfer, cancellationToken);
            if (search.Plan is { } plan)
            {
                await using (plan)
                    await _swarm.RunAsync(plan, cancellationToken);
                return;
            }
            LogStraightToMirror(transfer.Url.Key, search.Reason);
        }
        await _download.RunAsync(transfer, revalidate, cancellationToken);
    }

    /// <summary>
    /// What follows a stored file: apt metadata teaches the index the hashes it lists (the ingestor skips any other file), and
    /// a verified file is announced to the swarm.
    /// </summary>
    private void AfterStored(MirrorUrl url, CacheEntry stored)
    {
        _ = _ingestor.IngestAsync(url, stored.Hash);
        _announcer.Announce(stored);
    }

    /// <summary>
    /// True for a while after a transfer of this file failed its whole-file check: apt may hold bytes of the bad copy in its
    /// partial file, so its resume request must get the whole file (200), never the rest of it (206).
    /// </summary>
    public bool RecentlyMismatched(ContentHash hash)
    {
        if (!_mismatched.TryGetValue(hash, out var at))
            return false;
        if (_time.GetUtcNow() - at < TimeSpan.FromHours(1))
            return true;
        _mismatched.TryRemove(new(hash, at));
        return false;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Url}: {Reason}, streaming from the mirror")]
    private partial void LogStraightToMirror(string url, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Transfer of {Url} failed unexpectedly")]
    private partial void LogCrashed(string url, Exception exception);

    public void Dispose()
    {
        _lifetime.Cancel();
        _lifetime.Dispose();
        _slots.Dispose();
    }
}
