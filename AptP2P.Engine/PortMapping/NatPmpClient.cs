using System.Buffers.Binary;
using System.Globalization;
using System.Net;

namespace AptP2P.Engine.PortMapping;

/// <summary>
/// A NAT-PMP client (RFC 6886): version 0, opcode 0 for the external address, 1 (UDP) and 2 (TCP) for a mapping; a lifetime
/// of 0 with external port 0 deletes one.
/// </summary>
public sealed class NatPmpClient(IPEndPoint gateway, TimeSpan timeout) : IPortMapper
{
    private const byte Version = 0;
    private const byte ExternalAddressOp = 0;
    private const byte ResponseBit = 128;

    public string Name => "NAT-PMP";

    public IPAddress Gateway => gateway.Address;

    public async Task<AddressResult> GetExternalAddressAsync(CancellationToken cancellationToken)
    {
        var answer = await UdpExchange.ExchangeAsync(gateway, _ => [Version, ExternalAddressOp],
            d => d.Length >= 12 && d.Span[0] == Version && d.Span[1] == ResponseBit + ExternalAddressOp, timeout, cancellationToken);
        if (answer.Datagram is not { } datagram)
            return AddressResult.Fail(answer.Error!);
        var result = BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(2));
        return result == 0
            ? new AddressResult(new IPAddress(datagram.AsSpan(8, 4)), null)
            : AddressResult.Fail(ResultText(result));
    }

    public Task<MappingResult> MapAsync(MappingProtocol protocol, int internalPort, int suggestedExternalPort, TimeSpan lifetime,
        CancellationToken cancellationToken) =>
        RequestAsync(protocol, internalPort, suggestedExternalPort, (uint)lifetime.TotalSeconds, cancellationToken);

    public Task<MappingResult> DeleteAsync(GatewayMapping mapping, CancellationToken cancellationToken) =>
        RequestAsync(mapping.Protocol, mapping.InternalPort, 0, 0, cancellationToken);

    private async Task<MappingResult> RequestAsync(MappingProtocol protocol, int internalPort, int suggestedExternalPort, uint lifetime,
        CancellationToken cancellationToken)
    {
        var op = protocol == MappingProtocol.Udp ? (byte)1 : (byte)2;
        var request = new byte[12];
        request[0] = Version;
        request[1] = op;
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(4), (ushort)internalPort);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(6), (ushort)suggestedExternalPort);
        BinaryPrimitives.WriteUInt32BigEndian(request.AsSpan(8), lifetime);
        var answer = await UdpExchange.ExchangeAsync(gateway, _ => request,
            d => IsAnswer(d.Span, op, internalPort), timeout, cancellationToken);
        if (answer.Datagram is not { } datagram)
            return MappingResult.Fail(answer.Error!);
        var result = BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(2));
        if (result != 0)
            return MappingResult.Fail(ResultText(result));
        var external = BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(10));
        var granted = BinaryPrimitives.ReadUInt32BigEndian(datagram.AsSpan(12));
        if (lifetime != 0 && (external == 0 || granted == 0))
            return MappingResult.Fail("the gateway granted no port or no lifetime");
        return new MappingResult(new GatewayMapping(protocol, internalPort, external, TimeSpan.FromSeconds(granted)), null);
    }

    private static bool IsAnswer(ReadOnlySpan<byte> d, byte op, int internalPort) =>
        d.Length >= 16 && d[0] == Version && d[1] == ResponseBit + op && BinaryPrimitives.ReadUInt16BigEndian(d[8..]) == internalPort;

    /// <summary>RFC 6886 §3.5's result codes.</summary>
    internal static string ResultText(int code) => code switch
    {
        1 => "NAT-PMP: unsupported version",
        2 => "NAT-PMP: not authorized/refused",
        3 => "NAT-PMP: network failure",
        4 => "NAT-PMP: out of resources",
        5 => "NAT-PMP: unsupported opcode",
        _ => string.Create(CultureInfo.InvariantCulture, $"NAT-PMP: result code {code}"),
    };
}
