package dev.jcloud.engine;

import java.io.Serializable;

/** A user type that exists only in the test classes: workers must receive it from the client. */
public record Point(int x, int y) implements Serializable {
    public int norm2() {
        return x * x + y * y;
    }
}
