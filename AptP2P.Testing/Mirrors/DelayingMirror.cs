using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AptP2P.Testing.Mirrors;

/// <summary>How <see cref="DelayingMirror"/> spends its latency.</summary>
public enum LatencyMode
{
    /// <summary>Each request waits the full latency once the previous response on its connection is done (a slow server).</summary>
    PerRequest,

    /// <summary>A response may start no earlier than latency after its request arrived (a distant server: pipelining pays off).</summary>
    FromArrival,
}

/// <summary>One request the relay answered. Times are offsets from the relay's start.</summary>
public sealed record RelayedRequest(
    long ConnectionId,
    int RequestNumber,
    string Method,
    string Target,
    TimeSpan ArrivedAt,
    TimeSpan ResponseStartedAt,
    TimeSpan ResponseEndedAt,
    int Status,
    long BodyBytes);

/// <summary>
/// An HTTP/1.1 relay on 127.0.0.1:&lt;free port&gt; in front of a mirror that adds a fixed latency before each response.
/// Each client connection gets its own upstream connection; its requests are read as they arrive (pipelined or not),
/// answered strictly in order, and bodies are streamed through unchanged with every header (Range, If-Range,
/// If-Modified-Since, Content-Range, ETag...). <see cref="Requests"/> records when each request arrived and when
/// its response started, so a test can see how many of a client's requests were in flight at once.
/// </summary>
public sealed class DelayingMirror : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<long, RelayConnection> _connections = new();
    private readonly ConcurrentQueue<RelayedRequest> _requests = new();
    private readonly ConcurrentQueue<Exception> _errors = new();
    private readonly Stopwatch _clock = new();
    private Task _acceptLoop = Task.CompletedTask;
    private long _nextConnectionId;

    public DelayingMirror(IPEndPoint upstream, TimeSpan latency, LatencyMode mode = LatencyMode.PerRequest)
    {
        Upstream = upstream;
        Latency = latency;
        Mode = mode;
    }

    public IPEndPoint Upstream { get; }

    public TimeSpan Latency { get; }

    public LatencyMode Mode { get; }

    public int Port { get; private set; }

    public string HostPort => $"127.0.0.1:{Port}";

    public Uri BaseUri => new($"http://{HostPort}/");

    /// <summary>Answered requests, in the order their responses finished.</summary>
    public IReadOnlyList<RelayedRequest> Requests => [.. _requests];

    /// <summary>Unexpected failures inside the relay (client hang-ups and upstream resets are not errors).</summary>
    public IReadOnlyList<Exception> Errors => [.. _errors];

    /// <summary>Time since the relay started, on the clock <see cref="RelayedRequest"/> uses.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>A relay in front of <paramref name="mirror"/>, already listening.</summary>
    public static DelayingMirror StartInFrontOf(NginxMirror mirror, TimeSpan latency, LatencyMode mode = LatencyMode.PerRequest)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        var relay = new DelayingMirror(mirror.EndPoint, latency, mode);
        relay.Start();
        return relay;
    }

    public void Start()
    {
        _listener.Start(backlog: 512);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _clock.Start();
        _acceptLoop = AcceptLoopAsync(_stopping.Token);
    }

    /// <summary>Polls until at least <paramref name="count"/> requests have been answered.</summary>
    public Task<IReadOnlyList<RelayedRequest>> WaitForRequestsAsync(int count, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitForRequestsAsync(_ => true, count, timeout, cancellationToken);

    /// <summary>
    /// Polls until at least <paramref name="count"/> answered requests match; a request is recorded once its response
    /// has been written, which may be a moment after the client has read it.
    /// </summary>
    public async Task<IReadOnlyList<RelayedRequest>> WaitForRequestsAsync(
        Func<RelayedRequest, bool> predicate, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var matching = Requests.Where(predicate).ToList();
            if (matching.Count >= count)
            {
                return matching;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The relay answered {matching.Count} matching requests within {timeout.TotalSeconds:0.#} s, expected {count}.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        foreach (var connection in _connections.Values)
        {
            connection.Dispose();
        }
        await Task.WhenAll(_connections.Values.Select(c => c.Completion));
        _stopping.Dispose();
    }

    internal void Record(RelayedRequest request) => _requests.Enqueue(request);

    internal void RecordError(Exception error) => _errors.Enqueue(error);

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            var id = Interlocked.Increment(ref _nextConnectionId);
            var connection = new RelayConnection(this, id, client);
            _connections[id] = connection;
            connection.Run(() => _connections.TryRemove(id, out _), cancellationToken);
        }
    }
}
