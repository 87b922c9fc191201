using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace AptP2P.Engine.Dht.Transport;

/// <summary>
/// The production transport: one UDP socket of the family of its bind address and one receive loop with a pooled buffer.
/// An IPv6 socket is IPv6-only: IPv4 has its own socket and its own DHT (BEP 32).
/// </summary>
public sealed partial class UdpDhtTransport : IDhtTransport
{
    private const int BufferSize = 65536;
    private static readonly TimeSpan MinReceiveBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxReceiveBackoff = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _receiveLoop;
    private int _disposed;

    public UdpDhtTransport(IPEndPoint bindTo, ILogger logger)
    {
        _logger = logger;
        _socket = new Socket(bindTo.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (bindTo.AddressFamily == AddressFamily.InterNetworkV6)
                _socket.DualMode = false;
            // Room for bursts (a lookup's answers arrive together); the kernel caps it at its own maximum.
            _socket.ReceiveBufferSize = 1 << 20;
            _socket.Bind(bindTo);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }
    public long SendErrors { get; private set; }

    public void Start(DatagramHandler handler) => _receiveLoop ??= Task.Run(() => ReceiveLoopAsync(handler, _stopping.Token));

    public void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, destination);
        }
        catch (SocketException ex)
        {
            SendErrors++;
            LogSendFailed(destination, ex.SocketErrorCode);
        }
        catch (ObjectDisposedException)
        {
            // Stopping: nothing more goes out.
        }
    }

    private async Task ReceiveLoopAsync(DatagramHandler handler, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        EndPoint any = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        var backoff = TimeSpan.Zero;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                SocketReceiveFromResult result;
                try
                {
                    result = await _socket.ReceiveFromAsync(buffer.AsMemory(), SocketFlags.None, any, cancellationToken);
                    backoff = TimeSpan.Zero;
                }
                catch (SocketException ex) when (IsEarlierSendsIcmp(ex.SocketErrorCode))
                {
                    // ICMP errors from earlier sends surface here on some platforms; they say nothing about this socket.
                    LogReceiveFailed(ex.SocketErrorCode);
                    continue;
                }
                catch (SocketException ex) when (IsSocketGone(ex.SocketErrorCode))
                {
                    if (!cancellationToken.IsCancellationRequested)
                        LogReceiveStopped(ex.SocketErrorCode);
                    return;
                }
                catch (SocketException ex)
                {
                    // Anything else may repeat at once on every call (no buffer space, say): wait before the next receive
                    // instead of spinning, longer while it lasts, and say so once per wait.
                    backoff = backoff == TimeSpan.Zero ? MinReceiveBackoff : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxReceiveBackoff.Ticks));
                    LogReceiveBackingOff(ex.SocketErrorCode, backoff);
                    await Task.Delay(backoff, cancellationToken);
                    continue;
                }
                try
                {
                    handler(buffer.AsMemory(0, result.ReceivedBytes), (IPEndPoint)result.RemoteEndPoint);
                }
#pragma warning disable CA1031 // One bad packet must never stop the receive loop; the failure is logged.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    LogHandlerFailed((IPEndPoint)result.RemoteEndPoint, ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: DisposeAsync cancels the receive.
        }
        catch (ObjectDisposedException)
        {
            // Stopping: DisposeAsync closed the socket under a receive that had not seen the cancellation yet.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsEarlierSendsIcmp(SocketError error) => error is SocketError.ConnectionReset or SocketError.ConnectionRefused
        or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.NetworkDown
        or SocketError.MessageSize or SocketError.TimedOut;

    private static bool IsSocketGone(SocketError error) => error is SocketError.OperationAborted or SocketError.Shutdown
        or SocketError.NotSocket;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        await _stopping.CancelAsync();
        _socket.Dispose();
        if (_receiveLoop is not null)
            await _receiveLoop;
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "DHT send to {Destination} failed: {Error}")]
    private partial void LogSendFailed(IPEndPoint destination, SocketError error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DHT receive failed: {Error}")]
    private partial void LogReceiveFailed(SocketError error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DHT receive failed: {Error}; trying again in {Backoff}")]
    private partial void LogReceiveBackingOff(SocketError error, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Error, Message = "DHT socket closed under the receive loop ({Error}); no more datagrams will arrive")]
    private partial void LogReceiveStopped(SocketError error);

    [LoggerMessage(Level = LogLevel.Error, Message = "DHT datagram from {Source} could not be handled")]
    private partial void LogHandlerFailed(IPEndPoint source, Exception exception);
}
