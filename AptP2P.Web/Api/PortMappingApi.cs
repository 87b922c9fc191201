using AptP2P.Engine.PortMapping;

namespace AptP2P.Web.Api;

/// <summary><c>/api/portmapping</c>: whether our ports are mapped on the gateway, by which protocol, to what, and the last error.</summary>
public static class PortMappingApi
{
    public static RouteGroupBuilder MapPortMappingApi(this RouteGroupBuilder api)
    {
        api.MapGet("/portmapping", Get).WithName("GetPortMapping").WithTags("PortMapping")
            .WithSummary("Port mapping on the gateway: enabled, protocol in use (PCP, NAT-PMP, UPnP or null), gateway, external address and ports, lease expiry, last attempt and error");
        return api;
    }

    internal static PortMappingStatus Get(IPortMappingStatus portMapping) => portMapping.Status();
}
