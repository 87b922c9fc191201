using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Configuration;

public static class PeerOptionsServiceCollectionExtensions
{
    /// <summary>Binds and validates <see cref="PeerOptions"/> at <c>AptP2P:Peers</c>; registering twice has no further effect.</summary>
    public static IServiceCollection AddPeerOptions(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<PeerOptions>)))
            return services;
        var section = configuration.GetSection(PeerOptions.SectionName);
        var sharedKey = section.GetSection(nameof(PeerOptions.SharedDirectories));
        services.AddOptions<PeerOptions>()
            .Bind(section)
            .PostConfigure(o =>
            {
                if (!sharedKey.Exists())
                    o.SharedDirectories = [.. PeerOptions.DefaultSharedDirectories];
            })
            .ValidateDataAnnotations()
            .Validate(o => o.TryGetUploadRateLimit(out _),
                "AptP2P:Peers:UploadRateLimit must be a rate in bytes per second such as 0 (unlimited), 512K or 10M")
            .Validate(o => o.SharedDirectories.All(d => !string.IsNullOrWhiteSpace(d) && Path.IsPathFullyQualified(d)),
                "AptP2P:Peers:SharedDirectories must list absolute paths such as /var/cache/apt/archives")
            .ValidateOnStart();
        return services;
    }
}
