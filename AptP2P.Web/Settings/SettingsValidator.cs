using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Discovery;
using Microsoft.Extensions.Options;

namespace AptP2P.Web.Settings;

/// <summary>
/// Checks a <see cref="SettingsDocument"/> with the rules the host checks configuration with at start: the options classes'
/// DataAnnotations (here also on nested sections) and every <see cref="IValidateOptions{TOptions}"/> registered for them.
/// Errors are keyed by configuration key (<c>AptP2P:Cache:SizeLimit</c>); an empty key is an error of no single field.
/// </summary>
public sealed class SettingsValidator(
    IOptionsMonitor<AptP2POptions> node,
    IOptionsMonitor<DhtOptions> dht,
    IOptionsMonitor<DiscoveryOptions> discovery,
    IEnumerable<IValidateOptions<AptP2POptions>> nodeRules,
    IEnumerable<IValidateOptions<PeerOptions>> peerRules,
    IEnumerable<IValidateOptions<DhtOptions>> dhtRules,
    IEnumerable<IValidateOptions<DiscoveryOptions>> discoveryRules)
{
    private const string Root = "AptP2P";

    public IReadOnlyDictionary<string, string[]> Validate(SettingsDocument document)
    {
        var settings = document.Normalized();
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);

        var nodeCandidate = Clone(node.CurrentValue);
        nodeCandidate.Port = settings.Port;
        nodeCandidate.BindAddress = settings.BindAddress;
        nodeCandidate.DataDirectory = settings.DataDirectory;
        nodeCandidate.AllowedClients = settings.AllowedClients;
        nodeCandidate.AllowedMirrors = settings.AllowedMirrors;
        nodeCandidate.Cache = settings.Cache;
        nodeCandidate.Mirror = settings.Mirror;

        var dhtCandidate = Clone(dht.CurrentValue);
        dhtCandidate.BootstrapNodes = settings.Dht.BootstrapNodes;
        dhtCandidate.Alpha = settings.Dht.Alpha;
        dhtCandidate.QueryTimeoutMs = settings.Dht.QueryTimeoutMs;
        dhtCandidate.MinSlowQueryMs = settings.Dht.MinSlowQueryMs;

        var discoveryCandidate = Clone(discovery.CurrentValue);
        discoveryCandidate.Lan = settings.Discovery.Lan;
        discoveryCandidate.PublicDht = settings.Discovery.PublicDht;
        discoveryCandidate.Port = settings.Discovery.Port;
        discoveryCandidate.SwarmKey = settings.Discovery.SwarmKey ?? discoveryCandidate.SwarmKey;

        CheckAnnotations(nodeCandidate, Root, errors);
        CheckAnnotations(nodeCandidate.Cache, $"{Root}:{nameof(AptP2POptions.Cache)}", errors);
        CheckAnnotations(nodeCandidate.Mirror, $"{Root}:{nameof(AptP2POptions.Mirror)}", errors);
        CheckAnnotations(settings.Peers, PeerOptions.SectionName, errors);
        CheckAnnotations(dhtCandidate, DhtOptions.SectionName, errors);
        CheckRules(nodeRules, nodeCandidate, errors);
        CheckRules(peerRules, settings.Peers, errors);
        CheckRules(dhtRules, dhtCandidate, errors);
        CheckAnnotations(discoveryCandidate, DiscoveryOptions.SectionName, errors);
        CheckRules(discoveryRules, discoveryCandidate, errors);
        return errors.ToDictionary(e => e.Key, e => e.Value.Distinct().ToArray(), StringComparer.Ordinal);
    }

    private static void CheckAnnotations(object options, string section, Dictionary<string, List<string>> errors)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        foreach (var result in results)
        {
            var members = result.MemberNames.DefaultIfEmpty("");
            foreach (var member in members)
                Add(errors, member.Length == 0 ? section : $"{section}:{member}", result.ErrorMessage ?? "Invalid value.");
        }
    }

    /// <summary>The host's own rules, except DataAnnotations (checked above with field names); their messages start with the key.</summary>
    private static void CheckRules<T>(IEnumerable<IValidateOptions<T>> rules, T candidate, Dictionary<string, List<string>> errors) where T : class
    {
        foreach (var rule in rules)
        {
            if (rule is DataAnnotationValidateOptions<T>)
                continue;
            var result = rule.Validate(Options.DefaultName, candidate);
            if (!result.Failed)
                continue;
            foreach (var failure in result.Failures ?? [result.FailureMessage])
                Add(errors, KeyOf(failure), failure);
        }
    }

    private static string KeyOf(string message)
    {
        if (!message.StartsWith(Root + ":", StringComparison.Ordinal))
            return "";
        var end = message.IndexOf(' ', StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }

    private static void Add(Dictionary<string, List<string>> errors, string key, string message)
    {
        if (!errors.TryGetValue(key, out var list))
            errors[key] = list = [];
        list.Add(message);
    }

    private static T Clone<T>(T value) => JsonSerializer.Deserialize<T>(JsonSerializer.SerializeToUtf8Bytes(value))!;
}
