using AptP2P.Engine.Cache;
using AptP2P.Engine.Mirrors;
using AptP2P.Engine.Transfers;

namespace AptP2P.Engine.Proxy;

/// <summary>Why the proxy refused a request before asking any source.</summary>
public enum Refusal
{
    /// <summary>The target is not a mirror URL the proxy can fetch ('..', control characters, no host …).</summary>
    Malformed,
    /// <summary>The target is longer than any apt path.</summary>
    TooLong,
    /// <summary><c>AptP2P:AllowedMirrors</c> does not list the mirror, or the target is this node itself.</summary>
    MirrorNotAllowed,
    /// <summary>The file left the cache while it was being opened; a retry will fetch it again.</summary>
    Vanished,
}

/// <summary>How the mirror failed a request that reached it.</summary>
public enum MirrorProblem
{
    /// <summary>The mirror answered with a status of its own (404, 403, 500 …), passed on as it is.</summary>
    Status,
    /// <summary>The mirror policy refused a redirect (allow-list, this node's own port, a non-http target).</summary>
    Refused,
    /// <summary>No headers or no body bytes within the stall timeout.</summary>
    Timeout,
    /// <summary>Unreachable, or an answer that cannot be passed on (wrong size, content encoding, too many redirects).</summary>
    Failed,
}

/// <summary>
/// What the node answers one apt request with. An answer with a body holds its file open (a cache lease, or a reader of the
/// running transfer) until it is disposed.
/// </summary>
public abstract class ProxyAnswer : IDisposable
{
    private ProxyAnswer()
    {
    }

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes what the answer holds open.</summary>
    protected virtual void Release()
    {
    }

    /// <summary>From the cache: a hit, a copy the mirror has just confirmed, or the last good copy of a mirror that failed.</summary>
    public sealed class Cached(CacheLease lease, BodyHeaders headers) : ProxyAnswer
    {
        public CacheLease Lease => lease;
        public BodyHeaders Headers => headers;
        protected override void Release() => lease.Dispose();
    }

    /// <summary>From the one transfer of this file, read as it grows.</summary>
    public sealed class Streamed(TransferReader reader, BodyHeaders headers) : ProxyAnswer
    {
        public TransferReader Reader => reader;
        public BodyHeaders Headers => headers;
        protected override void Release() => reader.Dispose();
    }

    /// <summary>The mirror's own status or failure: apt falls back to another name on a 404 and retries a 502/503/504.</summary>
    public sealed class MirrorFailed(MirrorUrl url, MirrorProblem problem, int upstreamStatus, string reason) : ProxyAnswer
    {
        public MirrorUrl Url => url;
        public MirrorProblem Problem => problem;
        /// <summary>The mirror's status when <see cref="Problem"/> is <see cref="MirrorProblem.Status"/>, else 0.</summary>
        public int UpstreamStatus => upstreamStatus;
        public string Reason => reason;
    }

    /// <summary>Refused before any source was asked.</summary>
    public sealed class Refused(Refusal kind, string reason) : ProxyAnswer
    {
        public Refusal Kind => kind;
        public string Reason => reason;
    }
}
