// The simulation itself is portable, but it comes from AptP2P.Testing, whose fixtures are Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
