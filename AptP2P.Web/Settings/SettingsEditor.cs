using System.Text.Json.Nodes;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Dht;
using AptP2P.Engine.Discovery;
using AptP2P.Engine.PortMapping;
using Microsoft.Extensions.Options;

namespace AptP2P.Web.Settings;

/// <summary>What saving changed: the keys written, those that apply only after a restart, and those a higher configuration
/// layer (environment variables, command line) overrides, so that the saved value does not take effect.</summary>
public sealed record SettingsSaveResult(
    IReadOnlyList<string> Changed,
    IReadOnlyList<string> RestartRequired,
    IReadOnlyList<string> Overridden,
    SettingsDocument Settings);

/// <summary>The outcome of <see cref="SettingsEditor.SaveAsync"/>: saved, or the validation errors and nothing written.</summary>
public sealed record SettingsSaveOutcome(SettingsSaveResult? Saved, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool IsValid => Saved is not null;
}

/// <summary>
/// Reads the effective settings, validates changes with the host's rules, writes the changed keys to <c>settings.json</c>
/// and reloads the configuration, so that everything read through <see cref="IOptionsMonitor{TOptions}"/> sees them at once.
/// </summary>
public sealed class SettingsEditor(
    IOptionsMonitor<AptP2POptions> node,
    IOptionsMonitor<PeerOptions> peers,
    IOptionsMonitor<DhtOptions> dht,
    IOptionsMonitor<DiscoveryOptions> discovery,
    IOptionsMonitor<PortMappingOptions> portMapping,
    SettingsValidator validator,
    SettingsFile file,
    IConfiguration configuration) : IDisposable
{
    private readonly SemaphoreSlim _saving = new(1, 1);

    /// <summary>Where the settings are saved.</summary>
    public string FilePath => file.Path;

    /// <summary>The settings in effect now (every configuration layer applied).</summary>
    public SettingsDocument Current() =>
        SettingsDocument.From(node.CurrentValue, peers.CurrentValue, dht.CurrentValue, discovery.CurrentValue, portMapping.CurrentValue);

    public IReadOnlyDictionary<string, string[]> Validate(SettingsDocument settings) => validator.Validate(settings);

    /// <summary>The keys <paramref name="settings"/> would change if saved now.</summary>
    public IReadOnlyList<string> Pending(SettingsDocument settings) => SettingKeys.Changed(Current(), Resolved(settings));

    public async Task<SettingsSaveOutcome> SaveAsync(SettingsDocument settings, CancellationToken cancellationToken)
    {
        var wanted = Resolved(settings);
        var errors = validator.Validate(wanted);
        if (errors.Count > 0)
            return new SettingsSaveOutcome(null, errors);

        await _saving.WaitAsync(cancellationToken);
        try
        {
            var before = Current();
            var changed = SettingKeys.Changed(before, wanted);
            if (changed.Count == 0)
                return new SettingsSaveOutcome(new SettingsSaveResult([], [], [], before), errors);

            var values = SettingKeys.All.Where(k => changed.Contains(k.Key)).ToDictionary(k => k.Key, k => k.ValueIn(wanted));
            await file.WriteAsync(values, cancellationToken);
            // Reload now rather than when the file watcher notices: the caller (and the API's next GET) sees the new values.
            (configuration as IConfigurationRoot)?.Reload();

            var after = Current();
            var overridden = SettingKeys.Changed(after, wanted).Intersect(changed)
                .Where(key => key != SettingKeys.SwarmKey || !SwarmKeyInEffect(wanted.Discovery.SwarmKey))
                .ToList();
            return new SettingsSaveOutcome(
                new SettingsSaveResult(changed, [.. changed.Where(SettingKeys.NeedsRestart)], overridden, after), errors);
        }
        finally
        {
            _saving.Release();
        }
    }

    /// <summary>Normalized, with a swarm key equal to the one in effect left out: giving the same secret again changes nothing.</summary>
    private SettingsDocument Resolved(SettingsDocument settings)
    {
        var resolved = settings.Normalized();
        if (resolved.Discovery.SwarmKey is { } key && SwarmKeyInEffect(key))
            resolved.Discovery.SwarmKey = null;
        return resolved;
    }

    private bool SwarmKeyInEffect(string? key) =>
        string.Equals(discovery.CurrentValue.SwarmKey ?? "", key ?? "", StringComparison.Ordinal);

    /// <summary>Applies a partial JSON document (property names as in <see cref="SettingsDocument"/>) over the current settings.</summary>
    public SettingsDocument Merge(JsonObject changes)
    {
        var current = System.Text.Json.JsonSerializer.SerializeToNode(Current(), SettingsJson.Options)!.AsObject();
        SettingsJson.MergeInto(current, changes);
        return System.Text.Json.JsonSerializer.Deserialize<SettingsDocument>(current, SettingsJson.Options)
            ?? throw new System.Text.Json.JsonException("The settings must be a JSON object.");
    }

    public void Dispose() => _saving.Dispose();
}
