package io.twd.daemon;

/** Placeholder entry point; replaced by the real command line. */
public final class Twd {
    public static void main(String[] args) {
        System.out.println("twd");
    }
}
