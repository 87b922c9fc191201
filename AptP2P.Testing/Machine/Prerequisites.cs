namespace AptP2P.Testing.Machine;

/// <summary>A program the fixtures need is not installed.</summary>
public sealed class MissingPrerequisiteException : Exception
{
    public MissingPrerequisiteException(string message) : base(message) { }

    public MissingPrerequisiteException(string message, Exception innerException) : base(message, innerException) { }

    public MissingPrerequisiteException() { }
}

/// <summary>Finds the programs the fixtures shell out to, naming the Debian package to install when one is missing.</summary>
public static class Prerequisites
{
    // program -> Debian package that ships it (bookworm)
    private static readonly Dictionary<string, string> PackageOf = new(StringComparer.Ordinal)
    {
        ["apt-get"] = "apt",
        ["apt-ftparchive"] = "apt-utils",
        ["dpkg-deb"] = "dpkg",
        ["dpkg-source"] = "dpkg-dev",
        ["gpg"] = "gpg",
        ["gpg-agent"] = "gpg-agent",
        ["gpgconf"] = "gpgconf",
        ["nginx"] = "nginx",
        ["xz"] = "xz-utils",
        ["chmod"] = "coreutils",
        ["kill"] = "procps",
        ["ip"] = "iproute2",
        ["nft"] = "nftables",
    };

    private static readonly string[] ExtraSearchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <summary>Absolute path of <paramref name="program"/>, or a <see cref="MissingPrerequisiteException"/> naming its package.</summary>
    public static string Require(string program)
    {
        RequireAll(program);
        return Find(program)!;
    }

    /// <summary>Checks several programs at once so that one message lists every missing package.</summary>
    public static void RequireAll(params string[] programs)
    {
        var missing = programs.Where(p => Find(p) is null).ToList();
        if (missing.Count > 0)
        {
            var packages = string.Join(' ', missing.Select(p => PackageOf.GetValueOrDefault(p, p)).Distinct());
            throw new MissingPrerequisiteException(
                $"The end-to-end fixtures need {string.Join(", ", missing.Select(p => $"`{p}`"))}, which is not installed here. "
                + $"Install the Debian package(s) with: apt-get install -y --no-install-recommends {packages}");
        }
    }

    private static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(ExtraSearchPath)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
