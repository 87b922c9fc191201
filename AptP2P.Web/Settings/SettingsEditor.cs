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
            var overridden = changed.Where(IsSetAboveSettingsFile).ToList();
            // A value not in effect yet although nothing overrides it: a reload by the file watcher raced ours and read the
            // file before it was replaced. Reload again until the options show it (bounded; the watcher converges anyway).
            for (var attempt = 0; attempt < 20 && NotInEffect(after, wanted, changed).Except(overridden).Any(); attempt++)
            {
                await Task.Delay(50, cancellationToken);
                (configuration as IConfigurationRoot)?.Reload();
                after = Current();
            }
            return new SettingsSaveOutcome(
                new SettingsSaveResult(changed, [.. changed.Where(SettingKeys.NeedsRestart)], overridden, after), errors);
        }
        finally
        {
            _saving.Release();
        }
    }

    private IEnumerable<string> NotInEffect(SettingsDocument after, SettingsDocument wanted, IReadOnlyList<string> changed) =>
        SettingKeys.Changed(after, wanted).Intersect(changed)
            .Where(key => key != SettingKeys.SwarmKey || !SwarmKeyInEffect(wanted.Discovery.SwarmKey));

    /// <summary>
    /// True when a configuration layer above settings.json (environment variables, the command line) sets the key, or an
    /// entry of it (a list's <c>Key:0</c>): what settings.json says of it cannot take effect.
    /// </summary>
    private bool IsSetAboveSettingsFile(string key)
    {
        if (configuration is not IConfigurationRoot root)
            return false;
        var providers = root.Providers.ToList();
        var settings = providers.FindIndex(p => p is Microsoft.Extensions.Configuration.Json.JsonConfigurationProvider json
            && json.Source.Path is { } path && System.IO.Path.GetFileName(path) == System.IO.Path.GetFileName(file.Path)
            && json.Source.FileProvider?.GetFileInfo(System.IO.Path.GetFileName(path)).PhysicalPath == System.IO.Path.GetFullPath(file.Path));
        if (settings < 0)
            return false;
        return providers.Skip(settings + 1).Any(p => p.TryGet(key, out _) || p.GetChildKeys([], key).Any());
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
