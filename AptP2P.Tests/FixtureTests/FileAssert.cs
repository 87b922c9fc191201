using System.Security.Cryptography;

namespace AptP2P.Tests.FixtureTests;

internal static class FileAssert
{
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static void SameBytes(string expectedPath, string actualPath)
    {
        Assert.True(File.Exists(actualPath), $"{actualPath} does not exist");
        Assert.Equal(new FileInfo(expectedPath).Length, new FileInfo(actualPath).Length);
        Assert.Equal(Sha256Of(expectedPath), Sha256Of(actualPath));
    }
}
