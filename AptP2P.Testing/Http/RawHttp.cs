using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AptP2P.Testing.Http;

/// <summary>A response as it came off the wire.</summary>
public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// HTTP/1.1 over a plain socket, for what HttpClient will not send: raw hostile targets, absolute-form requests, several
/// pipelined requests on one connection, a chosen local address.
/// </summary>
public sealed class RawHttp : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly BufferedStream _reader;

    private RawHttp(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new BufferedStream(_stream, 64 * 1024);
    }

    public static async Task<RawHttp> ConnectAsync(Uri server, IPAddress? localAddress = null, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (localAddress is not null)
            socket.Bind(new IPEndPoint(localAddress, 0));
        await socket.ConnectAsync(IPAddress.Parse(server.Host), server.Port, cancellationToken);
        return new RawHttp(socket);
    }

    /// <summary>One request, its response read completely.</summary>
    public static async Task<RawResponse> SendAsync(Uri server, string method, string target, IPAddress? localAddress = null, string extraHeaders = "")
    {
        await using var connection = await ConnectAsync(server, localAddress);
        await connection.WriteAsync($"{method} {target} HTTP/1.1\r\nHost: {server.Authority}\r\n{extraHeaders}\r\n");
        return await connection.ReadResponseAsync(isHead: method == "HEAD");
    }

    public async Task WriteAsync(string text)
    {
        await _stream.WriteAsync(Encoding.Latin1.GetBytes(text));
        await _stream.FlushAsync();
    }

    /// <summary>Reads one response; throws <see cref="IOException"/> if the connection ends before it is complete.</summary>
    public async Task<RawResponse> ReadResponseAsync(bool isHead = false, CancellationToken cancellationToken = default)
    {
        var (status, headers) = await ReadHeadAsync(cancellationToken);

        byte[] body = [];
        if (!isHead && status != 304 && status >= 200)
        {
            if (headers.TryGetValue("Content-Length", out var lengthText))
            {
                body = new byte[long.Parse(lengthText, System.Globalization.CultureInfo.InvariantCulture)];
                await _reader.ReadExactlyAsync(body, cancellationToken);
            }
            else if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                body = await ReadChunkedAsync(cancellationToken);
            }
        }
        return new RawResponse(status, headers, body);
    }

    /// <summary>Reads the status line and headers, then every byte until the server closes the connection (or a deadline passes).</summary>
    public async Task<RawResponse> ReadHeadThenAllAsync(TimeSpan deadline, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        var statusLine = await ReadLineAsync(timeout.Token) ?? throw new IOException("connection closed before a status line");
        var status = int.Parse(statusLine.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (await ReadLineAsync(timeout.Token) is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        using var body = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await _reader.ReadAsync(buffer, timeout.Token)) > 0)
                body.Write(buffer, 0, read);
        }
        catch (IOException)
        {
            // A reset is a close too.
        }
        return new RawResponse(status, headers, body.ToArray());
    }

    /// <summary>Reads the status line and headers only, leaving the body unread (to play a client that goes away mid-body).</summary>
    public async Task<(int Status, IReadOnlyDictionary<string, string> Headers)> ReadHeadAsync(CancellationToken cancellationToken = default)
    {
        var statusLine = await ReadLineAsync(cancellationToken) ?? throw new IOException("connection closed before a status line");
        var status = int.Parse(statusLine.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (await ReadLineAsync(cancellationToken) is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return (status, headers);
    }

    private async Task<byte[]> ReadChunkedAsync(CancellationToken cancellationToken)
    {
        using var output = new MemoryStream();
        while (true)
        {
            var sizeLine = await ReadLineAsync(cancellationToken) ?? throw new IOException("connection closed inside a chunked body");
            var size = Convert.ToInt32(sizeLine.Split(';')[0].Trim(), 16);
            if (size == 0)
            {
                while (await ReadLineAsync(cancellationToken) is { Length: > 0 })
                {
                }
                return output.ToArray();
            }
            var chunk = new byte[size];
            await _reader.ReadExactlyAsync(chunk, cancellationToken);
            output.Write(chunk);
            await ReadLineAsync(cancellationToken);
        }
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var bytes = new List<byte>(128);
        var one = new byte[1];
        while (true)
        {
            if (await _reader.ReadAsync(one, cancellationToken) == 0)
                return bytes.Count == 0 ? null : throw new IOException("connection closed mid-line");
            if (one[0] == '\n')
                break;
            bytes.Add(one[0]);
        }
        if (bytes.Count > 0 && bytes[^1] == '\r')
            bytes.RemoveAt(bytes.Count - 1);
        return Encoding.Latin1.GetString(bytes.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.DisposeAsync();
        _socket.Dispose();
    }
}
