using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;

namespace AptP2P.Engine.PortMapping;

/// <summary>
/// A PCP client for the MAP opcode (RFC 6887 §11): version 2, our own IPv4 address as an IPv4-mapped IPv6 address, one
/// 12-byte nonce per protocol kept for renewals and the delete (lifetime 0). A gateway that speaks only NAT-PMP answers with
/// UNSUPP_VERSION, reported as <see cref="MappingResult.UnsupportedVersion"/>.
/// </summary>
public sealed class PcpClient(IPEndPoint gateway, TimeSpan timeout) : IPortMapper
{
    private const byte Version = 2;
    private const byte MapOpcode = 1;
    private const byte ResponseBit = 0x80;
    private const int HeaderLength = 24;
    private const int MapLength = HeaderLength + 36;
    private const byte UnsupportedVersionCode = 1;

    private readonly ConcurrentDictionary<MappingProtocol, byte[]> _nonces = new();
    private IPAddress? _externalAddress;

    public string Name => "PCP";

    public IPAddress Gateway => gateway.Address;

    /// <summary>PCP has no address request: the address is the one the last MAP answer assigned.</summary>
    public Task<AddressResult> GetExternalAddressAsync(CancellationToken cancellationToken) =>
        Task.FromResult(_externalAddress is { } address ? new AddressResult(address, null) : AddressResult.Fail("PCP: no mapping yet"));

    public Task<MappingResult> MapAsync(MappingProtocol protocol, int internalPort, int suggestedExternalPort, TimeSpan lifetime,
        CancellationToken cancellationToken) =>
        RequestAsync(protocol, internalPort, suggestedExternalPort, (uint)lifetime.TotalSeconds, cancellationToken);

    public Task<MappingResult> DeleteAsync(GatewayMapping mapping, CancellationToken cancellationToken) =>
        RequestAsync(mapping.Protocol, mapping.InternalPort, mapping.ExternalPort, 0, cancellationToken);

    private async Task<MappingResult> RequestAsync(MappingProtocol protocol, int internalPort, int suggestedExternalPort, uint lifetime,
        CancellationToken cancellationToken)
    {
        var nonce = _nonces.GetOrAdd(protocol, _ => RandomNumberGenerator.GetBytes(12));
        var ianaProtocol = protocol == MappingProtocol.Tcp ? (byte)6 : (byte)17;
        var answer = await UdpExchange.ExchangeAsync(gateway,
            local => BuildMap(local, nonce, ianaProtocol, internalPort, suggestedExternalPort, lifetime),
            d => IsAnswer(d.Span, nonce, ianaProtocol, internalPort), timeout, cancellationToken);
        if (answer.Datagram is not { } d)
            return MappingResult.Fail(answer.Error!);
        // A NAT-PMP-only gateway answers a version it does not know in its own format: version 0, result 1 (RFC 6887 §9).
        if (d[0] != Version)
            return new MappingResult(null, "PCP: unsupported version (the gateway speaks NAT-PMP)", null, true);
        var result = d[3];
        if (result == UnsupportedVersionCode)
            return new MappingResult(null, "PCP: UNSUPP_VERSION", null, true);
        if (result != 0)
            return MappingResult.Fail("PCP: " + ResultText(result));
        var granted = BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(4));
        var external = BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(42));
        var address = new IPAddress(d.AsSpan(44, 16));
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (lifetime == 0)
        {
            _nonces.TryRemove(protocol, out _);
            return new MappingResult(new GatewayMapping(protocol, internalPort, external, TimeSpan.Zero), null);
        }
        if (external == 0 || granted == 0)
            return MappingResult.Fail("PCP: the gateway granted no port or no lifetime");
        _externalAddress = address;
        return new MappingResult(new GatewayMapping(protocol, internalPort, external, TimeSpan.FromSeconds(granted)), null, address);
    }

    private static byte[] BuildMap(IPAddress local, byte[] nonce, byte protocol, int internalPort, int suggestedExternalPort, uint lifetime)
    {
        var request = new byte[MapLength];
        request[0] = Version;
        request[1] = MapOpcode;
        BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(4), lifetime);
        local.MapToIPv6().TryWriteBytes(request.AsSpan(8, 16), out _);
        nonce.CopyTo(request.AsSpan(24));
        request[36] = protocol;
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(40), (ushort)internalPort);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(42), (ushort)suggestedExternalPort);
        // No preference for the external address: the IPv4-mapped ::ffff:0.0.0.0 (RFC 6887 §11.1).
        IPAddress.Any.MapToIPv6().TryWriteBytes(request.AsSpan(44, 16), out _);
        return request;
    }

    private static bool IsAnswer(ReadOnlySpan<byte> d, byte[] nonce, byte protocol, int internalPort)
    {
        if (d.Length >= 4 && d[0] == 0)
            return d[1] == 128 + MapOpcode && BinaryPrimitives.ReadUInt16BigEndian(d[2..]) == UnsupportedVersionCode;
        if (d.Length < HeaderLength || d[1] != (ResponseBit | MapOpcode))
            return false;
        if (d[3] != 0 && d.Length < MapLength)
            return true; // An error answer may carry the header only.
        return d.Length >= MapLength && d[0] == Version && d.Slice(24, 12).SequenceEqual(nonce) && d[36] == protocol
            && BinaryPrimitives.ReadUInt16BigEndian(d[40..]) == internalPort;
    }

    /// <summary>RFC 6887 §7.4's result codes.</summary>
    internal static string ResultText(int code) => code switch
    {
        1 => "UNSUPP_VERSION",
        2 => "NOT_AUTHORIZED",
        3 => "MALFORMED_REQUEST",
        4 => "UNSUPP_OPCODE",
        5 => "UNSUPP_OPTION",
        6 => "MALFORMED_OPTION",
        7 => "NETWORK_FAILURE",
        8 => "NO_RESOURCES",
        9 => "UNSUPP_PROTOCOL",
        10 => "USER_EX_QUOTA",
        11 => "CANNOT_PROVIDE_EXTERNAL",
        12 => "ADDRESS_MISMATCH",
        13 => "EXCESSIVE_REMOTE_PEERS",
        _ => string.Create(CultureInfo.InvariantCulture, $"result code {code}"),
    };
}
