using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Xml.Linq;
using AptP2P.Engine.PortMapping;

namespace AptP2P.Testing.PortMapping;

/// <summary>
/// A gateway of our own on loopback, written from the message formats of RFC 6886 (NAT-PMP), RFC 6887 (PCP, MAP opcode) and
/// UPnP IGD (SSDP answers, the device description, WANIPConnection:1 SOAP actions): NAT-PMP and PCP on one UDP port, an SSDP
/// responder on another (unicast), an HTTP server on a TCP port. It records every mapping granted and deleted. Debian's
/// miniupnpd cannot stand in: it refuses to run with a private external address, the only kind a test network has.
/// </summary>
public sealed partial class TestGateway : IAsyncDisposable
{
    public const string ControlPath = "/ctl/IPConn";
    public const string DescriptionPath = "/rootDesc.xml";
    private const string ServiceType = "urn:schemas-upnp-org:service:WANIPConnection:1";

    private readonly UdpClient _pcp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly UdpClient _ssdp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly TcpListener _http = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<GatewayRequest> _requests = [];
    private readonly Dictionary<(MappingProtocol, int External), GatewayRequest> _active = [];
    private readonly List<Task> _loops = [];
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    public TestGateway(GatewayBehaviour behaviour = GatewayBehaviour.Good)
    {
        Behaviour = behaviour;
        _http.Start();
        _loops.Add(PcpLoopAsync(_stop.Token));
        _loops.Add(SsdpLoopAsync(_stop.Token));
        _loops.Add(HttpLoopAsync(_stop.Token));
    }

    public GatewayBehaviour Behaviour { get; set; }

    /// <summary>The external address reported when the behaviour is not <see cref="GatewayBehaviour.LyingAddress"/> (TEST-NET-3).</summary>
    public IPAddress ExternalAddress { get; set; } = IPAddress.Parse("203.0.113.9");

    /// <summary>The address <see cref="GatewayBehaviour.LyingAddress"/> reports (10.1.2.3, or 0.0.0.0 for a test that sets it).</summary>
    public IPAddress LyingAddress { get; set; } = IPAddress.Parse("10.1.2.3");

    /// <summary>UPnP AddPortMapping refuses any lease but 0 with 725 OnlyPermanentLeasesSupported.</summary>
    public bool PermanentLeasesOnly { get; set; }

    /// <summary>A PCP/NAT-PMP result code every map request is refused with (e.g. 2 NOT_AUTHORIZED); 0 grants.</summary>
    public int RefuseWith { get; set; }

    /// <summary>Grants at most this lease (seconds), as gateways that cap lifetimes do.</summary>
    public int MaxLeaseSeconds { get; set; } = 7 * 24 * 3600;

    public IPEndPoint PcpEndPoint => (IPEndPoint)_pcp.Client.LocalEndPoint!;

    public IPEndPoint SsdpEndPoint => (IPEndPoint)_ssdp.Client.LocalEndPoint!;

    public IPEndPoint HttpEndPoint => (IPEndPoint)_http.LocalEndpoint;

    /// <summary>The settings that point a node at this gateway (and never at the machine's real one).</summary>
    public IReadOnlyList<string> Settings =>
    [
        $"AptP2P:PortMapping:Gateway={PcpEndPoint.Address}",
        $"AptP2P:PortMapping:GatewayPort={PcpEndPoint.Port}",
        $"AptP2P:PortMapping:SsdpEndPoint={SsdpEndPoint}",
    ];

    public IReadOnlyList<GatewayRequest> Requests
    {
        get
        {
            lock (_lock)
                return [.. _requests];
        }
    }

    /// <summary>The mappings in force: granted and not deleted (leases are not expired here; tests look at the requests).</summary>
    public IReadOnlyList<GatewayRequest> Active
    {
        get
        {
            lock (_lock)
                return [.. _active.Values];
        }
    }

    /// <summary>The external port granted for an internal port asked for: the same, or another with <see cref="GatewayBehaviour.OtherPort"/>.</summary>
    public static int OtherPortFor(int internalPort) => internalPort % 30000 + 30001;

    private IPAddress ReportedAddress => Behaviour == GatewayBehaviour.LyingAddress ? LyingAddress : ExternalAddress;

    private void Record(string via, MappingProtocol protocol, int internalPort, int externalPort, int lease)
    {
        var request = new GatewayRequest(via, protocol, internalPort, externalPort, lease, lease == 0 && via != "UPnP", DateTimeOffset.UtcNow);
        lock (_lock)
        {
            _requests.Add(request);
            if (request.Deleted)
            {
                // One table for every protocol, as in a real gateway: a PCP or NAT-PMP delete removes the mapping of that port.
                foreach (var key in _active.Where(a => a.Value.Protocol == protocol && a.Value.InternalPort == internalPort).Select(a => a.Key).ToList())
                    _active.Remove(key);
            }
            else
            {
                _active[(protocol, externalPort)] = request;
            }
        }
    }

    private bool RemoveUpnp(MappingProtocol protocol, int externalPort)
    {
        lock (_lock)
        {
            if (!_active.Remove((protocol, externalPort), out var removed))
                return false;
            _requests.Add(removed with { Deleted = true, LeaseSeconds = 0, At = DateTimeOffset.UtcNow });
            return true;
        }
    }

    private uint Epoch => (uint)(DateTimeOffset.UtcNow - _started).TotalSeconds;

    // ---- NAT-PMP (RFC 6886 §3) and PCP (RFC 6887 §7, §11) on one UDP port ----

    private async Task PcpLoopAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var received = await _pcp.ReceiveAsync(stop);
                if (Behaviour is GatewayBehaviour.Silent or GatewayBehaviour.UpnpOnly)
                    continue;
                var answer = Behaviour == GatewayBehaviour.Garbage
                    ? RandomBytes(received.Buffer.Length > 0 && received.Buffer[0] == 2 ? 60 : 16)
                    : Answer(received.Buffer, received.RemoteEndPoint);
                if (answer is not null)
                    await _pcp.SendAsync(answer, received.RemoteEndPoint, stop);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private byte[]? Answer(byte[] request, IPEndPoint from)
    {
        if (request.Length < 2)
            return null;
        if (request[0] == 0)
            return NatPmpAnswer(request);
        if (request[0] == 2 && Behaviour != GatewayBehaviour.PcpUnsupported)
            return PcpAnswer(request, from);
        // A NAT-PMP-only server answers any other version: version 0, op 128 + op, result 1 UNSUPPORTED VERSION, epoch.
        var answer = new byte[8];
        answer[1] = (byte)(128 + (request[1] & 0x7F));
        BinaryPrimitives.WriteUInt16BigEndian(answer.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt32BigEndian(answer.AsSpan(4), Epoch);
        return answer;
    }

    private byte[]? NatPmpAnswer(byte[] request)
    {
        var op = request[1];
        if (op == 0)
        {
            var address = new byte[12];
            address[1] = 128;
            BinaryPrimitives.WriteUInt32BigEndian(address.AsSpan(4), Epoch);
            ReportedAddress.TryWriteBytes(address.AsSpan(8), out _);
            return address;
        }
        if (op is not (1 or 2) || request.Length < 12)
        {
            var unsupported = new byte[8];
            unsupported[1] = (byte)(128 + op);
            BinaryPrimitives.WriteUInt16BigEndian(unsupported.AsSpan(2), 5);
            return unsupported;
        }
        var protocol = op == 1 ? MappingProtocol.Udp : MappingProtocol.Tcp;
        var internalPort = BinaryPrimitives.ReadUInt16BigEndian(request.AsSpan(4));
        var suggested = BinaryPrimitives.ReadUInt16BigEndian(request.AsSpan(6));
        var lifetime = BinaryPrimitives.ReadUInt32BigEndian(request.AsSpan(8));
        var answer = new byte[16];
        answer[1] = (byte)(128 + op);
        BinaryPrimitives.WriteUInt32BigEndian(answer.AsSpan(4), Epoch);
        BinaryPrimitives.WriteUInt16BigEndian(answer.AsSpan(8), internalPort);
        if (RefuseWith != 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(answer.AsSpan(2), (ushort)RefuseWith);
            return answer;
        }
        if (lifetime == 0)
        {
            Record("NAT-PMP", protocol, internalPort, 0, 0);
            return answer;
        }
        var external = Grant(internalPort, suggested);
        var granted = (uint)Math.Min(lifetime, (uint)MaxLeaseSeconds);
        Record("NAT-PMP", protocol, internalPort, external, (int)granted);
        BinaryPrimitives.WriteUInt16BigEndian(answer.AsSpan(10), (ushort)external);
        BinaryPrimitives.WriteUInt32BigEndian(answer.AsSpan(12), granted);
        return answer;
    }

    private int Grant(int internalPort, int suggested) =>
        Behaviour == GatewayBehaviour.OtherPort ? OtherPortFor(internalPort) : suggested != 0 ? suggested : internalPort;

    private byte[] PcpAnswer(byte[] request, IPEndPoint from)
    {
        var answer = new byte[60];
        answer[0] = 2;
        answer[1] = (byte)(0x80 | (request[1] & 0x7F));
        BinaryPrimitives.WriteUInt32BigEndian(answer.AsSpan(8), Epoch);
        if (request.Length < 60 || request.Length % 4 != 0)
        {
            answer[3] = 3; // MALFORMED_REQUEST
            return answer[..24];
        }
        request.AsSpan(24, 36).CopyTo(answer.AsSpan(24));
        if ((request[1] & 0x7F) != 1)
        {
            answer[3] = 4; // UNSUPP_OPCODE
            return answer;
        }
        // The client's address in the request must be the packet's source (RFC 6887 §8.1: ADDRESS_MISMATCH otherwise).
        var client = new IPAddress(request.AsSpan(8, 16));
        if (!client.Equals(from.Address.MapToIPv6()))
        {
            answer[3] = 12;
            return answer;
        }
        if (RefuseWith != 0)
        {
            answer[3] = (byte)RefuseWith;
            return answer;
        }
        var protocol = request[36] switch
        {
            6 => MappingProtocol.Tcp,
            17 => MappingProtocol.Udp,
            _ => (MappingProtocol?)null,
        };
        if (protocol is null)
        {
            answer[3] = 9; // UNSUPP_PROTOCOL
            return answer;
        }
        var lifetime = BinaryPrimitives.ReadUInt32BigEndian(request.AsSpan(4));
        var internalPort = BinaryPrimitives.ReadUInt16BigEndian(request.AsSpan(40));
        var suggested = BinaryPrimitives.ReadUInt16BigEndian(request.AsSpan(42));
        if (lifetime == 0)
        {
            Record("PCP", protocol.Value, internalPort, suggested, 0);
            return answer;
        }
        var granted = (uint)Math.Min(lifetime, (uint)MaxLeaseSeconds);
        var external = Grant(internalPort, suggested);
        Record("PCP", protocol.Value, internalPort, external, (int)granted);
        BinaryPrimitives.WriteUInt32BigEndian(answer.AsSpan(4), granted);
        BinaryPrimitives.WriteUInt16BigEndian(answer.AsSpan(42), (ushort)external);
        ReportedAddress.MapToIPv6().TryWriteBytes(answer.AsSpan(44, 16), out _);
        return answer;
    }

    // ---- SSDP (UPnP Device Architecture 1.1 §1.3.3): unicast answers to M-SEARCH ----

    private async Task SsdpLoopAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var received = await _ssdp.ReceiveAsync(stop);
                if (Behaviour is GatewayBehaviour.Silent or GatewayBehaviour.PcpOnly)
                    continue;
                var text = Encoding.ASCII.GetString(received.Buffer);
                if (!text.StartsWith("M-SEARCH * HTTP/1.1", StringComparison.Ordinal))
                    continue;
                var st = text.Split("\r\n").FirstOrDefault(l => l.StartsWith("ST:", StringComparison.OrdinalIgnoreCase))?[3..].Trim() ?? "ssdp:all";
                var answer = string.Create(CultureInfo.InvariantCulture,
                    $"HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: {st}\r\nUSN: uuid:aptp2p-test-gateway::{st}\r\nEXT:\r\nSERVER: Linux/6 UPnP/1.1 TestGateway/1\r\nLOCATION: http://{HttpEndPoint}{DescriptionPath}\r\n\r\n");
                await _ssdp.SendAsync(Encoding.ASCII.GetBytes(answer), received.RemoteEndPoint, stop);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _pcp.Dispose();
        _ssdp.Dispose();
        _http.Stop();
        await Task.WhenAll(_loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
