package dev.switchboard.chatpage;

import java.util.Map;

/** The fields of a CloudFormation custom resource request that this function reads. */
public record CustomResourceEvent(String requestType, String responseUrl, String stackId, String requestId,
                                  String logicalResourceId, String physicalResourceId, Map<String, ?> properties) {
    public CustomResourceEvent {
        properties = properties == null ? Map.of() : properties;
    }

    @SuppressWarnings("unchecked")
    public static CustomResourceEvent of(Map<String, ?> event) {
        Object props = event.get("ResourceProperties");
        return new CustomResourceEvent(text(event, "RequestType"), text(event, "ResponseURL"), text(event, "StackId"),
                text(event, "RequestId"), text(event, "LogicalResourceId"), text(event, "PhysicalResourceId"),
                props instanceof Map<?, ?> m ? (Map<String, ?>) m : Map.of());
    }

    private static String text(Map<String, ?> event, String name) {
        Object v = event.get(name);
        return v == null ? null : v.toString();
    }

    /** The bucket the files go to (property Bucket). */
    public String bucket() {
        Object b = properties.get("Bucket");
        if (b == null || b.toString().isBlank()) {
            throw new IllegalArgumentException("the custom resource has no Bucket");
        }
        return b.toString();
    }
}
