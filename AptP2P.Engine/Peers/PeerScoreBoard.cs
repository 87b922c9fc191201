using System.Collections.Concurrent;
using System.Net;

namespace AptP2P.Engine.Peers;

/// <summary>What we know of one peer, as the dashboard and the source chooser see it.</summary>
public sealed record PeerScore(
    IPEndPoint Peer,
    long BytesDownloaded,
    long BytesUploaded,
    long Successes,
    long Failures,
    long BadPieces,
    double ThroughputBytesPerSecond,
    DateTimeOffset LastContact,
    DateTimeOffset? BannedUntil,
    double Score);

/// <summary>
/// Per peer address (a peer's HTTP port is remembered from downloads; an upload only shows its address): bytes each way, successes, failures, bad pieces, a throughput average, and a temporary ban after bad
/// data. Bounded: the least recently seen peers are forgotten beyond <see cref="MaxPeers"/>.
/// </summary>
public sealed class PeerScoreBoard(TimeProvider time)
{
    public const int MaxPeers = 4096;
    /// <summary>How long a peer that sent bad data is left out.</summary>
    public static readonly TimeSpan BanDuration = TimeSpan.FromHours(1);
    private const double Smoothing = 0.3;

    private readonly ConcurrentDictionary<IPAddress, Entry> _peers = new();

    public int Count => _peers.Count;

    public void RecordDownload(IPEndPoint peer, long bytes, TimeSpan elapsed)
    {
        var entry = Get(peer);
        lock (entry)
        {
            entry.BytesDownloaded += bytes;
            entry.Successes++;
            if (elapsed > TimeSpan.Zero && bytes > 0)
            {
                var rate = bytes / elapsed.TotalSeconds;
                entry.Throughput = entry.Throughput == 0 ? rate : Smoothing * rate + (1 - Smoothing) * entry.Throughput;
            }
        }
    }

    public void RecordFailure(IPEndPoint peer)
    {
        var entry = Get(peer);
        lock (entry)
            entry.Failures++;
    }

    /// <summary>A piece that did not match its hash: scored down and banned for <see cref="BanDuration"/>.</summary>
    public void RecordBadPiece(IPEndPoint peer)
    {
        var entry = Get(peer);
        lock (entry)
        {
            entry.BadPieces++;
            entry.Failures++;
            entry.BannedUntil = time.GetUtcNow() + BanDuration;
        }
    }

    public void RecordUpload(IPAddress peer, long bytes)
    {
        var entry = Get(new IPEndPoint(peer, 0));
        lock (entry)
            entry.BytesUploaded += bytes;
    }

    public bool IsBanned(IPEndPoint peer) =>
        _peers.TryGetValue(Normalize(peer.Address), out var entry) && entry.BannedUntil is { } until && until > time.GetUtcNow();

    /// <summary>0 (banned, or only failures) to 1 (reliable and fast); 0.5 for a peer we know nothing of.</summary>
    public double ScoreOf(IPEndPoint peer) => _peers.TryGetValue(Normalize(peer.Address), out var entry) ? Score(entry) : 0.5;

    public IReadOnlyList<PeerScore> Snapshot() =>
        [.. _peers.Select(p =>
        {
            lock (p.Value)
            {
                var e = p.Value;
                return new PeerScore(new IPEndPoint(p.Key, e.Port), e.BytesDownloaded, e.BytesUploaded, e.Successes, e.Failures, e.BadPieces, e.Throughput,
                    e.LastContact, e.BannedUntil > time.GetUtcNow() ? e.BannedUntil : null, Score(e));
            }
        }).OrderByDescending(p => p.LastContact)];

    private double Score(Entry e)
    {
        lock (e)
        {
            if (e.BannedUntil is { } until && until > time.GetUtcNow())
                return 0;
            var attempts = e.Successes + e.Failures;
            var reliability = attempts == 0 ? 0.5 : (double)e.Successes / attempts;
            // 10 MB/s counts as half of the best speed: loopback and LAN peers score high, slow links low.
            var speed = e.Throughput / (e.Throughput + 10_000_000);
            return Math.Clamp(0.6 * reliability + 0.4 * (e.Throughput == 0 ? 0.5 : speed), 0, 1);
        }
    }

    private Entry Get(IPEndPoint peer)
    {
        var entry = _peers.GetOrAdd(Normalize(peer.Address), static _ => new Entry());
        entry.LastContact = time.GetUtcNow();
        if (peer.Port != 0)
            entry.Port = peer.Port;
        if (_peers.Count > MaxPeers)
            Trim();
        return entry;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private void Trim()
    {
        foreach (var stale in _peers.OrderBy(p => p.Value.LastContact).Take(_peers.Count - MaxPeers * 3 / 4).ToList())
            _peers.TryRemove(stale);
    }

    private sealed class Entry
    {
        public long BytesDownloaded, BytesUploaded, Successes, Failures, BadPieces;
        public int Port;
        public double Throughput;
        public DateTimeOffset LastContact;
        public DateTimeOffset? BannedUntil;
    }
}
