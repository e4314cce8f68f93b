package dev.baton.model;

/**
 * CPU and memory a task asks for; either may be {@code null} when not set.
 *
 * @since 0.1
 */
public record Resources(Cpu cpu, ByteSize memory) {
    public static Resources of(String cpu, String memory) {
        return new Resources(cpu == null ? null : Cpu.parse(cpu), memory == null ? null : ByteSize.parse(memory));
    }
}
