#!/usr/bin/perl
# mkmmdb.pl: write a small synthetic MaxMind DB from a text spec, for tests.
#
# Usage: mkmmdb.pl [--schema city|flat|flat-text] SPEC_FILE OUT.mmdb
#
# Each spec line is
#     CIDR CONTINENT COUNTRY SUBDIVISION CITY LAT LON
# separated by whitespace, '-' for an absent field, '_' in CITY standing for a
# space (San_Francisco). '#' starts a comment; blank lines are ignored. IPv4
# and IPv6 networks may be mixed. Codes are stored exactly as written, so a
# spec can exercise a reader's case folding.
#
# The tree is IPv6 with IPv4 networks under ::/96 and ::ffff:0:0/96 aliased to
# them, as in MaxMind's own databases: a reader looking up an IPv4 address gets
# a netmask of 96 + the IPv4 prefix. As there, 2001::/32 (Teredo) and
# 2002::/16 (6to4) are aliases too, so networks inside them are rejected.
# More specific networks win over the networks that contain them, whatever
# their order in the spec.
#
# Schemas:
#   city       GeoIP2-City layout: continent{code}, country{iso_code},
#              subdivisions[{iso_code}], city{names{en}},
#              location{latitude,longitude} (doubles). Type "GeoIP2-City".
#   flat       top-level country_code, region, city (strings) and latitude,
#              longitude (doubles); no continent. Type "Test-Flat".
#   flat-text  as flat, but latitude and longitude are stored as strings,
#              as some third-party databases do. Type "Test-Flat-Text".
use strict;
use warnings;

use Encode qw(decode);
use Getopt::Long qw(GetOptions);
use MaxMind::DB::Writer::Tree;
use Socket qw(AF_INET AF_INET6 inet_pton);

# Every failure is a die with a finished message: report it, remove a
# half-written output and exit 1.
my $tmp;
$SIG{__DIE__} = sub {
    return if $^S;
    print STDERR $_[0];
    unlink $tmp if defined $tmp;
    exit 1;
};

my $schema = 'city';
GetOptions('schema=s' => \$schema)
    or usage();
usage() unless @ARGV == 2;
my ($spec_file, $out_file) = @ARGV;

my %schema_type = (
    'city'      => 'GeoIP2-City',
    'flat'      => 'Test-Flat',
    'flat-text' => 'Test-Flat-Text',
);
die "mkmmdb: unknown schema '$schema' (expected city, flat or flat-text)\n"
    unless exists $schema_type{$schema};

my %key_types = (
    # city schema
    continent    => 'map',
    code         => 'utf8_string',
    country      => 'map',
    iso_code     => 'utf8_string',
    subdivisions => [ 'array', 'map' ],
    city         => $schema eq 'city' ? 'map' : 'utf8_string',
    names        => 'map',
    en           => 'utf8_string',
    location     => 'map',
    # both schemas
    latitude  => $schema eq 'flat-text' ? 'utf8_string' : 'double',
    longitude => $schema eq 'flat-text' ? 'utf8_string' : 'double',
    # flat schemas
    country_code => 'utf8_string',
    region       => 'utf8_string',
);

my @entries = read_spec($spec_file);

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version    => 6,
    record_size   => 28,
    database_type => $schema_type{$schema},
    languages     => ['en'],
    description   => { en => "gslbd test fixture ($schema schema)" },
    # Tests use documentation and private ranges on purpose.
    remove_reserved_networks => 0,
    # Lets IPv4-mapped IPv6 lookups reach the IPv4 data, like GeoLite2.
    alias_ipv6_to_ipv4 => 1,
    # With no merging, a later insert overwrites the overlapping part of an
    # earlier one; inserting the least specific networks first (below) makes
    # every network keep exactly its own record.
    merge_strategy        => 'none',
    map_key_type_callback => sub {
        my $t = $key_types{ $_[0] };
        die "mkmmdb: no type for key '$_[0]'\n" unless defined $t;
        return $t;
    },
);

for my $e (sort { $a->{bits6} <=> $b->{bits6} || $a->{line} <=> $b->{line} } @entries) {
    my $ok = eval { $tree->insert_network($e->{cidr}, record_for($e)); 1 };
    if (!$ok) {
        my $err = $@;
        $err =~ s/\s+\z//;
        $err =~ s/ at \S+ line \d+\.?\z//;
        die "$spec_file:$e->{line}: cannot insert network '$e->{cidr}' ($err)\n";
    }
}

# Write to a temporary name and rename, so a failed run never leaves a
# truncated database where a test would pick it up.
$tmp = "$out_file.tmp.$$";
open my $fh, '>:raw', $tmp or die "mkmmdb: cannot write '$tmp' ($!)\n";
$tree->write_tree($fh);
close $fh or die "mkmmdb: cannot write '$tmp' ($!)\n";
rename $tmp, $out_file or die "mkmmdb: cannot rename '$tmp' to '$out_file' ($!)\n";
undef $tmp;
exit 0;

sub usage {
    die "usage: mkmmdb.pl [--schema city|flat|flat-text] SPEC_FILE OUT.mmdb\n";
}

sub spec_error {
    my ($line, $what) = @_;
    die "$spec_file:$line: $what\n";
}

# Parse and check the spec; returns one hash per network.
sub read_spec {
    my ($path) = @_;
    open my $in, '<:raw', $path or die "mkmmdb: cannot read '$path' ($!)\n";
    my (@out, %seen);
    while (my $raw = <$in>) {
        my $line = $.;
        my $text = eval { decode('UTF-8', $raw, Encode::FB_CROAK) };
        spec_error($line, 'not valid UTF-8') unless defined $text;
        $text =~ s/#.*//s;
        $text =~ s/^\s+|\s+$//g;
        next if $text eq '';
        my @f = split /\s+/, $text;
        spec_error($line, 'expected 7 fields: CIDR CONTINENT COUNTRY SUBDIVISION CITY LAT LON'
                . ' (got ' . scalar(@f) . ')')
            unless @f == 7;
        my ($cidr, $continent, $country, $sub, $city, $lat, $lon) = @f;

        my ($canon, $bits6) = parse_cidr($line, $cidr);
        spec_error($line, "duplicate network '$cidr' (first on line $seen{$canon})")
            if exists $seen{$canon};
        $seen{$canon} = $line;

        spec_error($line, "continent must be two letters or - (got '$continent')")
            unless $continent eq '-' || $continent =~ /\A[A-Za-z]{2}\z/;
        spec_error($line, "country must be two letters or - (got '$country')")
            unless $country eq '-' || $country =~ /\A[A-Za-z]{2}\z/;
        spec_error($line, "subdivision must be 1 to 3 letters or digits or - (got '$sub')")
            unless $sub eq '-' || $sub =~ /\A[A-Za-z0-9]{1,3}\z/;
        spec_error($line, 'latitude and longitude must both be given or both be -')
            if ($lat eq '-') != ($lon eq '-');
        if ($lat ne '-') {
            spec_error($line, "latitude must be a number in -90..90 (got '$lat')")
                unless is_number($lat) && $lat >= -90 && $lat <= 90;
            spec_error($line, "longitude must be a number in -180..180 (got '$lon')")
                unless is_number($lon) && $lon >= -180 && $lon <= 180;
        }
        $city =~ tr/_/ / if $city ne '-';

        push @out, {
            line      => $line,
            cidr      => $cidr,
            bits6     => $bits6,
            continent => $continent eq '-' ? undef : $continent,
            country   => $country eq '-'   ? undef : $country,
            sub       => $sub eq '-'       ? undef : $sub,
            city      => $city eq '-'      ? undef : $city,
            lat       => $lat eq '-'       ? undef : $lat,
            lon       => $lon eq '-'       ? undef : $lon,
        };
    }
    close $in;
    return @out;
}

sub is_number {
    return $_[0] =~ /\A[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\z/;
}

# Check a CIDR; returns a canonical text (for duplicate checks) and its prefix
# length in the IPv6 tree (IPv4 prefixes sit 96 bits down).
sub parse_cidr {
    my ($line, $cidr) = @_;
    my ($addr, $len) = $cidr =~ m{\A([^/]+)/(\d{1,3})\z}
        or spec_error($line, "network must be ADDRESS/PREFIX (got '$cidr')");
    my ($bytes, $width, $offset);
    if ($addr =~ /\A\d{1,3}(?:\.\d{1,3}){3}\z/) {
        ($bytes, $width, $offset) = (inet_pton(AF_INET, $addr), 32, 96);
    } elsif ($addr =~ /:/) {
        ($bytes, $width, $offset) = (inet_pton(AF_INET6, $addr), 128, 0);
    }
    spec_error($line, "bad address in '$cidr'") unless defined $bytes;
    spec_error($line, "prefix must be 0..$width (got $len)") if $len > $width;
    my $bits = unpack 'B*', $bytes;
    spec_error($line, "host bits set in '$cidr'") if substr($bits, $len) =~ /1/;
    return ("$width:" . substr($bits, 0, $len), $len + $offset);
}

# The data record for one spec entry in the chosen schema.
sub record_for {
    my ($e) = @_;
    my %r;
    if ($schema eq 'city') {
        $r{continent} = { code => $e->{continent} } if defined $e->{continent};
        $r{country} = { iso_code => $e->{country} } if defined $e->{country};
        $r{subdivisions} = [ { iso_code => $e->{sub} } ] if defined $e->{sub};
        $r{city} = { names => { en => $e->{city} } } if defined $e->{city};
        $r{location} = { latitude => 0 + $e->{lat}, longitude => 0 + $e->{lon} }
            if defined $e->{lat};
        return \%r;
    }
    $r{country_code} = $e->{country} if defined $e->{country};
    $r{region} = $e->{sub} if defined $e->{sub};
    $r{city} = $e->{city} if defined $e->{city};
    if (defined $e->{lat}) {
        if ($schema eq 'flat-text') {
            $r{latitude} = "$e->{lat}";
            $r{longitude} = "$e->{lon}";
        } else {
            $r{latitude} = 0 + $e->{lat};
            $r{longitude} = 0 + $e->{lon};
        }
    }
    return \%r;
}
