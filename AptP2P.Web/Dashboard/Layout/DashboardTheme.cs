using MudBlazor;

namespace AptP2P.Web.Dashboard.Layout;

/// <summary>The dashboard's colours: Debian red for the brand, one colour per source (peers green, mirror blue, uploads amber).</summary>
public static class DashboardTheme
{
    public const string PeersColor = "#2e9d5b";
    public const string MirrorColor = "#3a7bd5";
    public const string UploadColor = "#e0a020";
    public const string CacheColor = "#8e6fd1";

    public static MudTheme Create() => new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#c70036",
            Secondary = MirrorColor,
            Success = PeersColor,
            Warning = UploadColor,
            AppbarBackground = "#a80030",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#ff5c7a",
            Secondary = "#6aa3f0",
            Success = "#4cc47f",
            Warning = "#f0b840",
            AppbarBackground = "#3a0a16",
        },
    };
}
