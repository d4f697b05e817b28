package dev.switchboard.chatpage;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.switchboard.config.Env;
import dev.switchboard.config.Setting;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The chat page's CloudFormation custom resource (template.yaml ChatPageFiles), run at deploy time only: on Create
 * and Update it writes the bundled page files and a {@code config.json} made from the stack's values into the page
 * bucket; on Delete it empties the bucket so CloudFormation can delete it. It always answers CloudFormation's
 * ResponseURL: FAILED with the reason when Create or Update fails; SUCCESS on Delete even when emptying failed (the
 * bucket's own deletion then fails, naming it), so a stack can always be deleted or rolled back. Only a failed init
 * (no bundled page) leaves CloudFormation without an answer, until the resource's ServiceTimeout.
 */
public final class ChatPageHandler implements RequestHandler<Map<String, Object>, Void> {
    /** Everything comes from the custom resource's properties; the region from Lambda's own AWS_REGION. */
    public static final List<String> REQUIRED_ENV = List.of();
    private static final Logger LOG = LoggerFactory.getLogger(ChatPageHandler.class);
    /** Every file is revalidated by CloudFront and browsers, so a deploy shows at once. */
    static final String CACHE_CONTROL = "no-cache";

    private final S3Client s3;
    private final PageFiles files;
    private final CustomResourceReply reply;

    /** Lambda's entry point: the composition root. */
    public ChatPageHandler() {
        this(Env.system());
    }

    public ChatPageHandler(Env env) {
        this(S3Client.builder().region(Region.of(env.text(Setting.AWS_REGION)))
                .httpClient(UrlConnectionHttpClient.create()).build(), PageFiles.bundled(), CustomResourceReply.overHttp());
    }

    public ChatPageHandler(S3Client s3, PageFiles files, CustomResourceReply reply) {
        this.s3 = s3;
        this.files = files;
        this.reply = reply;
    }

    @Override
    public Void handleRequest(Map<String, Object> input, Context context) {
        CustomResourceEvent event = CustomResourceEvent.of(input);
        String physicalId = event.physicalResourceId() != null ? event.physicalResourceId()
                : "chat-page-" + event.properties().get("Bucket");
        boolean success;
        String reason;
        try {
            reason = switch (String.valueOf(event.requestType())) {
                case "Create", "Update" -> write(event);
                case "Delete" -> empty(event);
                default -> throw new IllegalArgumentException("unknown RequestType " + event.requestType());
            };
            success = true;
        } catch (RuntimeException | Error e) { // whatever went wrong, CloudFormation hears of it now, not at its timeout
            reason = e.getClass().getSimpleName() + ": " + e.getMessage();
            success = "Delete".equals(event.requestType());
            LOG.error("chat page {} failed: {}", event.requestType(), reason);
        }
        if (!reply.send(event, success, reason, physicalId)) {
            LOG.error("CloudFormation's response URL did not take the answer to {}", event.requestType());
        }
        return null;
    }

    private String write(CustomResourceEvent event) {
        String bucket = event.bucket();
        byte[] config = PageConfig.of(event.properties()).json(); // checked before any write
        for (var f : files.files().entrySet()) {
            put(bucket, f.getKey(), f.getValue());
        }
        put(bucket, PageConfig.KEY, config);
        LOG.info("chat page written: {} files and {}", files.files().size(), PageConfig.KEY);
        return "wrote " + (files.files().size() + 1) + " files";
    }

    private void put(String bucket, String key, byte[] body) {
        s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key).contentType(PageFiles.contentType(key))
                .cacheControl(CACHE_CONTROL).build(), RequestBody.fromBytes(body));
    }

    private String empty(CustomResourceEvent event) {
        String bucket = event.bucket();
        int deleted = 0;
        try {
            for (S3Object o : s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(bucket).build()).contents()) {
                s3.deleteObject(b -> b.bucket(bucket).key(o.key()));
                deleted++;
            }
        } catch (NoSuchBucketException e) {
            LOG.info("chat page bucket already gone");
            return "bucket already gone";
        }
        LOG.info("chat page bucket emptied: {} objects", deleted);
        return "deleted " + deleted + " objects";
    }
}
