using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security;
using System.Text;

namespace AptP2P.Engine.PortMapping;

/// <summary>
/// A UPnP IGD client: SOAP actions of WANIPConnection / WANPPPConnection (<c>GetExternalIPAddress</c>, <c>AddPortMapping</c>,
/// <c>DeletePortMapping</c>) on the control URL of a gateway found by <see cref="DiscoverAsync"/>. Every answer is read to a
/// bound (16 KiB) within the timeout; a UPnP error or garbage is a failure with a reason, never an exception.
/// </summary>
public sealed class UpnpIgdClient : IPortMapper
{
    public const int MaxSoapAnswerBytes = 16 * 1024;
    public const string Description = "AptP2P";
    private const int ConflictInMappingEntry = 718;
    private const int OnlyPermanentLeasesSupported = 725;
    private const int OtherPortsTried = 3;

    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;
    private readonly IPAddress _internalClient;

    public UpnpIgdClient(UpnpService service, IPAddress gateway, HttpClient http, TimeSpan timeout)
    {
        Service = service;
        Gateway = gateway;
        _http = http;
        _timeout = timeout;
        _internalClient = GatewayAddresses.LocalAddressToward(gateway);
    }

    public string Name => "UPnP";

    public IPAddress Gateway { get; }

    public UpnpService Service { get; }

    /// <summary>SSDP search, then the device description: the client of the first gateway found, or why there is none.</summary>
    public static async Task<(UpnpIgdClient? Client, string? Error)> DiscoverAsync(IPEndPoint ssdp, HttpClient http, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var (answer, error) = await SsdpSearch.FindAsync(ssdp, timeout, cancellationToken);
        if (answer is null)
            return (null, "UPnP: " + error);
        var (status, body, readError) = await SendAsync(http, new HttpRequestMessage(HttpMethod.Get, answer.Location),
            UpnpDescription.MaxDescriptionBytes, timeout, cancellationToken);
        if (body is null)
            return (null, $"UPnP: {answer.Location}: {readError}");
        if (status != HttpStatusCode.OK)
            return (null, string.Create(CultureInfo.InvariantCulture, $"UPnP: {answer.Location} answered {(int)status}"));
        var (service, parseError) = UpnpDescription.Parse(body, answer.Location);
        return service is null
            ? (null, $"UPnP: {answer.Location}: {parseError}")
            : (new UpnpIgdClient(service, answer.Responder, http, timeout), null);
    }

    public async Task<AddressResult> GetExternalAddressAsync(CancellationToken cancellationToken)
    {
        var answer = await InvokeAsync("GetExternalIPAddress", [], cancellationToken);
        if (answer.Error is { } error)
            return AddressResult.Fail(error);
        return IPAddress.TryParse(answer.Values.GetValueOrDefault("NewExternalIPAddress"), out var address)
            ? new AddressResult(address, null)
            : AddressResult.Fail("UPnP: GetExternalIPAddress gave no address");
    }

    public async Task<MappingResult> MapAsync(MappingProtocol protocol, int internalPort, int suggestedExternalPort, TimeSpan lifetime,
        CancellationToken cancellationToken)
    {
        var lease = (int)lifetime.TotalSeconds;
        var external = suggestedExternalPort is > 0 and <= 65535 ? suggestedExternalPort : internalPort;
        string? lastError = null;
        for (var tries = 0; tries <= OtherPortsTried;)
        {
            var answer = await InvokeAsync("AddPortMapping",
            [
                ("NewRemoteHost", ""),
                ("NewExternalPort", Invariant(external)),
                ("NewProtocol", ProtocolName(protocol)),
                ("NewInternalPort", Invariant(internalPort)),
                ("NewInternalClient", _internalClient.ToString()),
                ("NewEnabled", "1"),
                ("NewPortMappingDescription", Description),
                ("NewLeaseDuration", Invariant(lease)),
            ], cancellationToken);
            if (answer.Error is null)
            {
                // A permanent mapping (lease 0) is renewed on our schedule all the same and deleted at shutdown.
                return new MappingResult(new GatewayMapping(protocol, internalPort, external, TimeSpan.FromSeconds(lease == 0 ? lifetime.TotalSeconds : lease)), null);
            }
            lastError = answer.Error;
            if (answer.Code == OnlyPermanentLeasesSupported && lease != 0)
            {
                lease = 0;
                continue;
            }
            if (answer.Code != ConflictInMappingEntry)
                break;
            // Someone else holds that external port: the next one up.
            external = external >= 65535 ? 1024 : external + 1;
            tries++;
        }
        return MappingResult.Fail(lastError!);
    }

    public async Task<MappingResult> DeleteAsync(GatewayMapping mapping, CancellationToken cancellationToken)
    {
        var answer = await InvokeAsync("DeletePortMapping",
        [
            ("NewRemoteHost", ""),
            ("NewExternalPort", Invariant(mapping.ExternalPort)),
            ("NewProtocol", ProtocolName(mapping.Protocol)),
        ], cancellationToken);
        return answer.Error is { } error ? MappingResult.Fail(error) : new MappingResult(mapping with { Lifetime = TimeSpan.Zero }, null);
    }

    private static string ProtocolName(MappingProtocol protocol) => protocol == MappingProtocol.Tcp ? "TCP" : "UDP";

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private async Task<SoapAnswer> InvokeAsync(string action, (string Name, string Value)[] arguments, CancellationToken cancellationToken)
    {
        var body = new StringBuilder()
            .Append("<?xml version=\"1.0\"?>\r\n<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" ")
            .Append("s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body>")
            .Append("<u:").Append(action).Append(" xmlns:u=\"").Append(Service.ServiceType).Append("\">");
        foreach (var (name, value) in arguments)
            body.Append('<').Append(name).Append('>').Append(SecurityElement.Escape(value)).Append("</").Append(name).Append('>');
        body.Append("</u:").Append(action).Append("></s:Body></s:Envelope>\r\n");
        var request = new HttpRequestMessage(HttpMethod.Post, Service.ControlUrl)
        {
            Content = new StringContent(body.ToString(), new UTF8Encoding(false)),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("text/xml; charset=\"utf-8\"");
        request.Headers.TryAddWithoutValidation("SOAPAction", $"\"{Service.ServiceType}#{action}\"");
        var (status, answer, error) = await SendAsync(_http, request, MaxSoapAnswerBytes, _timeout, cancellationToken);
        if (answer is null)
            return SoapAnswer.Failed($"UPnP {action}: {error}");
        return SoapAnswer.Read(action, status, answer);
    }

    /// <summary>One HTTP exchange, its body read to <paramref name="limit"/> bytes within <paramref name="timeout"/>.</summary>
    internal static async Task<(HttpStatusCode Status, byte[]? Body, string? Error)> SendAsync(HttpClient http, HttpRequestMessage request,
        int limit, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var _ = request;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (response.Content.Headers.ContentLength > limit)
                return (response.StatusCode, null, string.Create(CultureInfo.InvariantCulture, $"answer larger than {limit} bytes"));
            await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
            var buffer = new byte[limit + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), deadline.Token)) > 0)
                length += read;
            if (length > limit)
                return (response.StatusCode, null, string.Create(CultureInfo.InvariantCulture, $"answer larger than {limit} bytes"));
            return (response.StatusCode, buffer[..length], null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (default, null, string.Create(CultureInfo.InvariantCulture, $"no answer within {timeout.TotalSeconds:0.#} s"));
        }
        catch (HttpRequestException ex)
        {
            return (default, null, ex.HttpRequestError.ToString());
        }
        catch (IOException ex)
        {
            return (default, null, ex.Message);
        }
    }
}
