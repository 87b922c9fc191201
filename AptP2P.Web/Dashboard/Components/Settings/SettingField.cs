using AptP2P.Web.Settings;
using Microsoft.AspNetCore.Components;

namespace AptP2P.Web.Dashboard.Components.Settings;

/// <summary>What every field of the settings form has: its configuration key, label, help, and the errors to show under it.</summary>
public abstract class SettingField<T> : ComponentBase
{
    /// <summary>The configuration key, e.g. <c>AptP2P:Cache:SizeLimit</c>; also the field's <c>data-testid</c>.</summary>
    [Parameter, EditorRequired] public string Key { get; set; } = "";
    [Parameter, EditorRequired] public string Label { get; set; } = "";
    [Parameter] public string? Help { get; set; }
    [Parameter] public T Value { get; set; } = default!;
    [Parameter] public EventCallback<T> ValueChanged { get; set; }
    [Parameter] public IReadOnlyDictionary<string, string[]> Errors { get; set; } = new Dictionary<string, string[]>();

    protected bool HasError => Errors.ContainsKey(Key);

    protected string? ErrorText => Errors.TryGetValue(Key, out var messages) ? string.Join(" ", messages) : null;

    protected string? HelperText => SettingKeys.NeedsRestart(Key)
        ? $"{Help} Applies after a restart.".Trim()
        : Help;
}
