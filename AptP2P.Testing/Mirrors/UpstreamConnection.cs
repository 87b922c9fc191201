using System.Net;
using System.Net.Sockets;
using AptP2P.Testing.Http;

namespace AptP2P.Testing.Mirrors;

/// <summary>The relay's keep-alive connection to the mirror on behalf of one client connection.</summary>
internal sealed class UpstreamConnection : IDisposable
{
    private readonly NetworkStream _stream;

    private UpstreamConnection(NetworkStream stream)
    {
        _stream = stream;
        Reader = new HttpStreamReader(stream);
    }

    public HttpStreamReader Reader { get; }

    /// <summary>A new connection, or null if nothing accepts connections at <paramref name="endPoint"/>.</summary>
    public static async Task<UpstreamConnection?> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
        return new UpstreamConnection(new NetworkStream(socket, ownsSocket: true));
    }

    /// <summary>Writes the request exactly as the client sent it and reads the response head; null if the server closed first.</summary>
    public async Task<HttpHead?> ExchangeAsync(HttpHead request, byte[] body, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(request.Raw, cancellationToken);
        if (body.Length > 0)
        {
            await _stream.WriteAsync(body, cancellationToken);
        }
        return await Reader.ReadHeadAsync(cancellationToken);
    }

    public void Dispose() => _stream.Dispose();
}
