using System.Globalization;
using System.Net;

namespace AptP2P.Engine.PortMapping;

/// <summary>A SOAP answer of an IGD: the out arguments of the action, or the UPnP error code and why.</summary>
internal sealed record SoapAnswer(IReadOnlyDictionary<string, string> Values, int? Code, string? Error)
{
    private static readonly Dictionary<string, string> None = [];

    public static SoapAnswer Failed(string error, int? code = null) => new(None, code, error);

    public static SoapAnswer Read(string action, HttpStatusCode status, byte[] body)
    {
        if (UpnpDescription.Load(body) is not { } document)
            return Failed(string.Create(CultureInfo.InvariantCulture, $"UPnP {action}: answer {(int)status} is not well-formed XML"));
        if (status != HttpStatusCode.OK)
        {
            var code = document.Descendants().FirstOrDefault(e => e.Name.LocalName == "errorCode")?.Value.Trim();
            var description = document.Descendants().FirstOrDefault(e => e.Name.LocalName == "errorDescription")?.Value.Trim();
            return int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                ? Failed(string.Create(CultureInfo.InvariantCulture, $"UPnP {action}: error {number} {description}").TrimEnd(), number)
                : Failed(string.Create(CultureInfo.InvariantCulture, $"UPnP {action}: HTTP {(int)status} without a UPnP error code"));
        }
        var response = document.Descendants().FirstOrDefault(e => e.Name.LocalName == action + "Response");
        if (response is null)
            return Failed($"UPnP {action}: the answer has no {action}Response");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var element in response.Elements())
            values[element.Name.LocalName] = element.Value.Trim();
        return new SoapAnswer(values, null, null);
    }
}
